import { css } from 'lit';

// One rule a line: the bundle ships this text as is (nothing minifies CSS in templates).
export const styles = css`
:host{--rtc-camera-background:#111;--rtc-camera-color:#f5f5f5;--rtc-camera-aspect-ratio:4/3;--rtc-camera-object-fit:cover;--rtc-camera-radius:.5rem;--rtc-camera-accent:#2563eb;--rtc-camera-danger:#dc2626;--rtc-camera-controls-background:#f4f4f5;display:block;max-width:40rem}
[part=base]{border-radius:var(--rtc-camera-radius);overflow:hidden;background:var(--rtc-camera-controls-background)}
.stage{display:grid;position:relative;aspect-ratio:var(--rtc-camera-aspect-ratio);background:var(--rtc-camera-background);color:var(--rtc-camera-color)}
video{width:100%;height:100%;object-fit:var(--rtc-camera-object-fit)}
.mirrored{transform:scaleX(-1)}
.overlay{position:absolute;inset:0;display:grid;place-content:center;gap:.5rem;padding:1.5rem;text-align:center}
[part=recording-indicator]{position:absolute;top:.75rem;left:.75rem;padding:.2rem .6rem;border-radius:1rem;background:var(--rtc-camera-danger);color:#fff}
[part=controls]{display:flex;flex-wrap:wrap;gap:.5rem;padding:.6rem}
[part=attachment]{padding:0 .6rem .6rem}
button,select{font:inherit;min-height:2.5rem;max-width:14rem;padding:0 .9rem;border:1px solid #aaa;border-radius:.4rem;background:#fff}
:focus-visible{outline:3px solid var(--rtc-camera-accent)}
:disabled{opacity:.5}
[part~=start-button],[part~=snapshot-button],[aria-pressed=true],:host([recording]) [part~=record-button]{background:var(--fill,var(--rtc-camera-accent));color:#fff;border-color:transparent}
[aria-pressed=true],:host([recording]) [part~=record-button]{--fill:var(--rtc-camera-danger)}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%)}
`;
