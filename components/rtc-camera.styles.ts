import { css } from 'lit';

// Written compactly on purpose: the bundle ships this text as is (nothing minifies CSS in templates).
export const styles = css`
:host{--rtc-camera-background:#111;--rtc-camera-color:#f5f5f5;--rtc-camera-aspect-ratio:4/3;--rtc-camera-object-fit:cover;--rtc-camera-radius:.5rem;--rtc-camera-accent:#2563eb;--rtc-camera-danger:#dc2626;--rtc-camera-controls-background:#f4f4f5;display:block;max-width:40rem}
[hidden]{display:none!important}
[part=base]{border-radius:var(--rtc-camera-radius);overflow:hidden;background:var(--rtc-camera-controls-background);color:#18181b}
.stage{position:relative;aspect-ratio:var(--rtc-camera-aspect-ratio);background:var(--rtc-camera-background);color:var(--rtc-camera-color)}
video{display:block;width:100%;height:100%;object-fit:var(--rtc-camera-object-fit)}
.mirrored{transform:scaleX(-1)}
.overlay{position:absolute;inset:0;display:flex;flex-direction:column;justify-content:center;align-items:center;gap:.5rem;padding:1.5rem;text-align:center}
[part=error-message]{font-size:1.1em}
[part=recording-indicator]{position:absolute;top:.75rem;left:.75rem;padding:.2rem .6rem;border-radius:1rem;background:var(--rtc-camera-danger);color:#fff;font-variant-numeric:tabular-nums}
[part=controls]{display:flex;flex-wrap:wrap;gap:.5rem;padding:.6rem}
button,select{font:inherit;min-height:2.5rem;max-width:14rem;padding:0 .9rem;border:1px solid #a1a1aa;border-radius:.375rem;background:#fff;color:inherit;cursor:pointer}
:focus-visible{outline:3px solid var(--rtc-camera-accent);outline-offset:2px}
:disabled{opacity:.55;cursor:not-allowed}
.primary{background:var(--rtc-camera-accent);border-color:var(--rtc-camera-accent);color:#fff}
[aria-pressed=true],.on{background:var(--rtc-camera-danger);border-color:var(--rtc-camera-danger);color:#fff}
[part=attachment]{padding:0 .6rem .6rem;font-size:.9em}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%)}
`;
