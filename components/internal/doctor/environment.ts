/**
 * The page's environment: whether it is a secure context (browsers give the camera, the microphone
 * and screen capture only to those), and whether its permissions policy lets it use them.
 */
import { fail, pass, warn, type Outcome } from './outcome.js';

/** The policy-controlled features a call uses (Permissions Policy, W3C). */
const CALL_FEATURES = ['camera', 'microphone'] as const;
const SCREEN_FEATURE = 'display-capture';

/**
 * The permissions policy of this document, where the browser exposes it: Chromium's
 * `document.featurePolicy` (and `permissionsPolicy`, its newer name). Firefox and Safari have
 * neither.
 */
interface PolicyView {
  allowsFeature(feature: string): boolean;
}

export function checkSecureContext(): Outcome {
  const values = { origin: location.origin };
  return isSecureContext ? pass('secure', values) : fail('insecure', values);
}

export function checkPermissionsPolicy(): Outcome {
  const { permissionsPolicy, featurePolicy } = document as Document & {
    permissionsPolicy?: PolicyView;
    featurePolicy?: PolicyView;
  };
  const policy = permissionsPolicy ?? featurePolicy;
  if (!policy) {
    // A top-level document may use all three unless the server's Permissions-Policy header says
    // otherwise (rare); a frame only what its embedder's `allow` grants, which we cannot read here.
    return window.self === window.top ? pass('policy-top-level') : warn('policy-unknown');
  }
  const canShareScreen = typeof navigator.mediaDevices?.getDisplayMedia === 'function';
  const features = canShareScreen ? [...CALL_FEATURES, SCREEN_FEATURE] : [...CALL_FEATURES];
  const blocked = features.filter((feature) => !policy.allowsFeature(feature));
  if (blocked.length === 0) return pass('policy-allowed', { features: features.join(', ') });
  const values = { features: blocked.join(', ') };
  // Only the screen: calls work, without screen sharing.
  return blocked.length === 1 && blocked[0] === SCREEN_FEATURE
    ? warn('policy-blocked', values)
    : fail('policy-blocked', values);
}
