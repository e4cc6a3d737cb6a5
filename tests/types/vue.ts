import type {} from 'rtc-elements/vue';
/**
 * A Vue app using the Vue types (`rtc-elements/vue` registers every element in Vue's
 * GlobalComponents, which Vue's language tools check templates against): the props of a template's
 * `<rtc-camera>` accept its attributes and refuse a misspelt one.
 */
import type { GlobalComponents } from 'vue';

type Props<Tag extends keyof GlobalComponents> = InstanceType<GlobalComponents[Tag]>['$props'];

export const camera: Props<'rtc-camera'> = { autostart: true, 'camera-id': 'abc', 'max-duration': 60 };
export const datachannel: Props<'rtc-datachannel'> = { room: 'standup', label: 'files', ordered: false };

// @ts-expect-error: a misspelt attribute
export const misspelt: Props<'rtc-camera'> = { 'camra-id': 'abc' };
// @ts-expect-error: a number attribute given a word
export const wrongType: Props<'rtc-datachannel'> = { 'max-retransmits': 'never' };
