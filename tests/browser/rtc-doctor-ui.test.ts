// <rtc-doctor>'s face: nothing before a press, the run button, the microphone's meter, languages and
// replaced texts, the copied report (and the text to copy by hand), hostile settings, and
// accessibility (axe-core, and contrast in dark mode) in each state a person sees.
import { expect, fixture, html } from '@open-wc/testing';
import type { RtcDoctor } from '../../components/rtc-doctor.js';
import { lowContrastTexts } from './contrast.js';
import { nextEvent, startRelay, uniqueName, until } from './helpers.js';
import { captured, connections, doctor, lineOf, part, parts, runButton, runToEnd, verdicts } from './doctor-harness.js';
import { violations } from './axe.js';

/** A doctor whose relay is not there: a quick run with failures and warnings to look at. */
async function failingDoctor(): Promise<RtcDoctor> {
  const signaling = new URL(`/relays/${uniqueName('nowhere')}/signal`, location.href).href;
  return doctor({ signaling, checks: 'environment relay network' });
}

const realClipboardWrite = navigator.clipboard.writeText;
afterEach(() => {
  navigator.clipboard.writeText = realClipboardWrite;
  document.documentElement.lang = 'en';
  document.documentElement.style.colorScheme = '';
});

describe('<rtc-doctor> interface', () => {
  it('before a press it lists the checks it will run as not run, captures nothing, connects nothing, and has no report', async () => {
    const capturedBefore = captured.length;
    const connectionsBefore = connections.length;
    const el = await doctor({ checks: 'relay network' });
    const titles = parts(el, 'title').map((title) => title.textContent);
    expect(titles).to.deep.equal([
      'Relay over WebSocket',
      'Relay over SSE',
      'Local network',
      'Public address',
      'TURN server',
      'Data channel',
    ]);
    expect(parts(el, 'status').every((status) => status.textContent === 'Not run')).to.equal(true);
    expect(runButton(el).textContent).to.equal('Run checks');
    expect(el.report).to.equal(null);
    expect(el.reportText()).to.equal('');
    expect(el.state).to.equal('idle');
    expect(captured.length).to.equal(capturedBefore);
    expect(connections.length).to.equal(connectionsBefore);
  });

  it('autostart runs the checks without a press', async () => {
    const signaling = await startRelay(uniqueName('relay'));
    const el = await fixture<RtcDoctor>(
      html`<rtc-doctor autostart checks="relay" signaling=${signaling}></rtc-doctor>`,
    );
    const report = (await nextEvent<CustomEvent>(el, 'rtc-doctor-done', 'the autostarted run')).detail;
    expect(verdicts(report)).to.deep.equal(['relay-websocket: pass relay-ok', 'relay-sse: pass relay-ok']);
  });

  it('while running, the run button says so and a second press or run() starts no second run; then it offers to run again', async () => {
    const el = await doctor({ checks: 'network' });
    const done = nextEvent(el, 'rtc-doctor-done');
    const connectionsBefore = connections.length;
    const first = el.run();
    await el.updateComplete;
    expect(el.state).to.equal('running');
    expect(runButton(el).textContent).to.equal('Checking…');
    expect(runButton(el).getAttribute('aria-disabled')).to.equal('true');
    runButton(el).click();
    const second = el.run();
    const [report, again] = await Promise.all([first, second]);
    await done;
    expect(again).to.deep.equal(report);
    // One run of the network checks without TURN: a connection trying the configuration, one
    // gathering, a pair for the data channel. A second run would have made four more.
    expect(connections.length - connectionsBefore).to.equal(4);
    await el.updateComplete;
    expect(runButton(el).textContent).to.equal('Run again');
    expect(runButton(el).getAttribute('aria-disabled')).to.equal('false');
  });

  it('the microphone’s meter moves while the microphone is listened to, and goes with the run', async () => {
    // Listened to long enough for the meter's window (0.7 s) to hold the fake device's beeps.
    const el = await doctor({ checks: 'microphone', listenTime: 3000 });
    const done = nextEvent(el, 'rtc-doctor-done');
    runButton(el).click();
    const meter = await until(() => {
      const found = part(el, 'level') as HTMLMeterElement | null;
      return found && found.value > 0 ? found : undefined;
    }, 'the meter showing a level');
    expect(meter.getAttribute('aria-label')).to.equal('Microphone level');
    expect(meter.closest('[part~=check]')!.querySelector('[part=title]')!.textContent).to.equal('Microphone');
    await done;
    await el.updateComplete;
    expect(part(el, 'level')).to.equal(null);
  });

  it('after a run, an outcome line counts the verdicts; a hint the line before gave is not repeated', async () => {
    const el = await failingDoctor();
    await runToEnd(el);
    await el.updateComplete;
    expect(part(el, 'outcome')!.getAttribute('part')).to.equal('outcome outcome-fail');
    expect(part(el, 'outcome-text')!.textContent).to.equal('Failed: 2, warnings: 2, passed: 4.');
    const hints = parts(el, 'check').map((line) => line.querySelector('[part=hint]')?.textContent ?? '');
    const relayHint = 'Check the signaling URL and that the relay runs; a firewall may block it.';
    expect(hints.filter((hint) => hint === relayHint)).to.have.length(1);
    // Both lines say it in the report.
    expect(el.report!.checks.filter((line) => line.hint === relayHint)).to.have.length(2);
  });

  it('"Copy report" writes text an operator can read: a line per check with its code, the hint under it', async () => {
    const el = await failingDoctor();
    await runToEnd(el);
    let copied = '';
    navigator.clipboard.writeText = async (text: string) => {
      copied = text;
    };
    part(el, 'copy-button')!.click();
    await until(() => part(el, 'copy-status')?.textContent === 'Report copied.', 'the copy said');
    expect(copied).to.equal(el.reportText());
    const lines = copied.split('\n');
    expect(lines[0]).to.match(/^Connection check: \d{4}-\d\d-\d\dT[\d:.]+Z \([\d.]+ s\)$/);
    expect(lines[1]).to.equal(navigator.userAgent);
    expect(lines[2]).to.equal(el.report!.signaling);
    expect(lines).to.include('[Passed] Secure page: Secure context: ' + location.origin + '. (secure)');
    const relay = lines.findIndex((line) => line.startsWith('[Failed] Relay over WebSocket: '));
    expect(lines[relay]).to.match(/cannot be reached\. \(relay-unreachable\)$/);
    expect(lines[relay + 1]).to.equal('    Check the signaling URL and that the relay runs; a firewall may block it.');
    expect(lines).to.include(
      '[Warning] TURN server: Unknown: the relay, which hands out the ICE servers, was not reached. (servers-unknown)',
    );
  });

  it('where the clipboard refuses, the report is shown, selected, to copy by hand', async () => {
    // Whether a headless browser lets a page write the clipboard depends on its focus: the refusal
    // is made by replacing writeText.
    navigator.clipboard.writeText = () => Promise.reject(new DOMException('refused', 'NotAllowedError'));
    const el = await failingDoctor();
    await runToEnd(el);
    expect(await el.copyReport()).to.equal(false);
    await el.updateComplete;
    const text = part(el, 'report') as HTMLTextAreaElement;
    expect(text.value).to.equal(el.reportText());
    expect(text.getAttribute('aria-label')).to.equal('Report');
    expect(el.shadowRoot!.activeElement).to.equal(text);
    expect([text.selectionStart, text.selectionEnd]).to.deep.equal([0, text.value.length]);
    expect(part(el, 'copy-status')!.textContent).to.equal('Copy the report below.');
  });

  it('lang="de" words the lines in German with German numbers; strings still replace any text, as text', async () => {
    const signaling = await startRelay(uniqueName('relay'));
    const el = await doctor({ signaling, checks: 'relay', lang: 'de' });
    await until(() => runButton(el).textContent === 'Test starten', 'the German run button');
    el.strings = { 'relay-sse': '<b>SSE</b>' };
    const report = await runToEnd(el);
    expect(lineOf(report, 'relay-websocket').title).to.equal('Relay über WebSocket');
    expect(lineOf(report, 'relay-websocket').summary).to.match(
      /^Beigetreten in \d+(,\d)? ms, Umlaufzeit \d+(,\d)? ms\.$/,
    );
    expect(lineOf(report, 'relay-sse').title).to.equal('<b>SSE</b>');
    await el.updateComplete;
    expect(el.shadowRoot!.querySelector('b')).to.equal(null);
    expect(parts(el, 'title')[1]!.textContent).to.equal('<b>SSE</b>');
  });

  it('hostile settings: ice-servers that is no list fails the network lines with the browser’s reason; an unknown checks word is ignored', async () => {
    const el = await fixture<RtcDoctor>(
      html`<rtc-doctor checks="network nonsense" ice-servers='{"urls": 5}'></rtc-doctor>`,
    );
    const report = await runToEnd(el);
    expect(verdicts(report)).to.deep.equal([
      'ice-host: fail ice-servers-refused',
      'ice-srflx: fail ice-servers-refused',
      'turn: fail ice-servers-refused',
      'datachannel: fail ice-servers-refused',
    ]);
  });

  it('axe finds no serious or critical violation: before a run, running, after a run with failures, the report to copy by hand', async () => {
    const el = await failingDoctor();
    expect(await violations(el), 'before a run').to.deep.equal([]);
    const done = nextEvent(el, 'rtc-doctor-done');
    runButton(el).click();
    await until(() => parts(el, 'check-running').length > 0, 'a check running');
    expect(await violations(el), 'running').to.deep.equal([]);
    await done;
    await el.updateComplete;
    expect(await violations(el), 'after a run').to.deep.equal([]);
    navigator.clipboard.writeText = () => Promise.reject(new DOMException('refused', 'NotAllowedError'));
    await el.copyReport();
    await el.updateComplete;
    expect(await violations(el), 'to copy by hand').to.deep.equal([]);
  });

  it('every text has a contrast of at least 4.5:1, in light and in dark mode, after a run with every verdict', async () => {
    for (const scheme of ['light', 'dark'] as const) {
      // The page's colour scheme (as a page declaring `light dark` has under that system theme): the
      // element follows it through light-dark().
      document.documentElement.style.colorScheme = scheme;
      const el = await failingDoctor();
      await runToEnd(el);
      await el.updateComplete;
      expect(lowContrastTexts(el.shadowRoot!), scheme).to.deep.equal([]);
    }
  });
});
