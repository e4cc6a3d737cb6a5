import { css } from 'lit';

// One rule a line: the bundle ships this text as is.
export const styles = css`
:host{--rtc-call-tile:16rem;--rtc-call-accent:#2563eb;--rtc-call-danger:#dc2626;display:block}
[part=grid]{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(var(--rtc-call-tile),100%),1fr));gap:.5rem}
[part~=tile]{position:relative;border-radius:.5rem;overflow:hidden;background:#111}
[speaking]{outline:3px solid var(--rtc-call-accent)}
video{display:block;width:100%;aspect-ratio:4/3;object-fit:cover}
[camera-off] video{visibility:hidden}
.badges{position:absolute;top:.4rem;left:.4rem;display:flex;gap:.3rem;align-items:center}
[part=name],[part=muted]{padding:0 .4rem;background:var(--bg,#000a);color:#fff}
[part=muted]{--bg:var(--rtc-call-danger)}
[part=controls],[part=join]{display:flex;flex-wrap:wrap;gap:.5rem;padding:.6rem 0}
button,input{font:inherit;min-height:2.5rem;padding:0 .9rem;border:1px solid #aaa;border-radius:.4rem;background:#fff}
:focus-visible{outline:3px solid var(--rtc-call-accent)}
[part~=join-button],[aria-pressed=true],[part~=leave-button]{background:var(--fill,var(--rtc-call-accent));color:#fff;border-color:transparent}
[aria-pressed=true],[part~=leave-button]{--fill:var(--rtc-call-danger)}
[part=error]{width:100%;margin:0}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%)}
`;
