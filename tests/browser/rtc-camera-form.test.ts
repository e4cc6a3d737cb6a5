import { expect, fixture, html } from '@open-wc/testing';
import '../../components/rtc-camera.js';
import type { RtcCamera } from '../../components/rtc-camera.js';
import { nextEvent, until } from './helpers.js';
import { UPLOAD_ECHO_PATH } from './upload-echo.js';

async function form(template: ReturnType<typeof html>): Promise<{ form: HTMLFormElement; camera: RtcCamera }> {
  const element = await fixture<HTMLFormElement>(template);
  return { form: element, camera: element.querySelector('rtc-camera')! };
}

describe('<rtc-camera> in a form', () => {
  it('required makes the form invalid until a photo is taken, then FormData holds it as a File', async () => {
    const { form: f, camera } = await form(
      html`<form><rtc-camera name="photo" required audio="false"></rtc-camera></form>`,
    );
    expect(camera.form).to.equal(f);
    expect(f.checkValidity()).to.equal(false);
    expect(camera.validity.valueMissing).to.equal(true);
    expect(camera.validationMessage).to.equal('Please take a photo or record a video.');
    expect(new FormData(f).get('photo')).to.equal(null);

    await camera.start();
    await until(() => camera.shadowRoot!.querySelector('video')!.videoWidth > 0, 'live frames');
    const snap = nextEvent<CustomEvent<{ blob: Blob }>>(camera, 'rtc-snapshot');
    camera.shadowRoot!.querySelector<HTMLButtonElement>('[part~="snapshot-button"]')!.click();
    const { blob } = (await snap).detail;
    await camera.updateComplete;

    expect(f.checkValidity()).to.equal(true);
    const file = new FormData(f).get('photo');
    expect(file).to.be.instanceOf(File);
    expect((file as File).name).to.equal('photo.png');
    expect((file as File).type).to.equal('image/png');
    expect((file as File).size).to.equal(blob.size);
    expect(camera.value).to.equal(file);
    expect(camera.shadowRoot!.querySelector('[part="attachment"]')!.textContent).to.contain('photo.png');
  });

  it('a recording becomes the value too, named after the field with its own extension', async () => {
    const { form: f, camera } = await form(html`<form><rtc-camera name="message"></rtc-camera></form>`);
    await camera.start();
    camera.startRecording();
    // Past the recorder's 1 s timeslice, so a chunk is in even on a busy machine (600 ms once gave an empty recording).
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const blob = await camera.stopRecording();
    const file = new FormData(f).get('message') as File;
    expect(file).to.be.instanceOf(File);
    expect(file.name).to.match(/^message\.(webm|mp4)$/);
    expect(file.size).to.equal(blob!.size);
    camera.stop();
  });

  it('a form with a required recording submits it: the file arrives with the name, type and size recorded', async () => {
    const host = await fixture<HTMLDivElement>(html`<div>
      <form method="post" enctype="multipart/form-data" action=${UPLOAD_ECHO_PATH} target="sink">
        <input name="title" value="hello" /><rtc-camera name="message" required></rtc-camera>
      </form>
      <iframe name="sink"></iframe>
    </div>`);
    const f = host.querySelector('form')!;
    const camera = host.querySelector('rtc-camera')!;
    const sink = host.querySelector('iframe')!;
    expect(f.checkValidity()).to.equal(false);
    await camera.start();
    camera.startRecording();
    // Past the recorder's 1 s timeslice, so a chunk is in even on a busy machine.
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const blob = (await camera.stopRecording())!;
    camera.stop();
    await camera.updateComplete;
    expect(f.checkValidity()).to.equal(true);
    f.requestSubmit();
    const answer = await until(() => {
      const text = sink.contentDocument?.body?.textContent ?? '';
      return text.includes('message') ? text : null;
    }, 'the server’s answer');
    expect(JSON.parse(answer)).to.deep.equal({
      title: 'hello',
      message: { filename: 'message.webm', type: blob.type, size: blob.size },
    });
  });

  it('form.reset() clears the value and makes a required camera invalid again', async () => {
    const { form: f, camera } = await form(
      html`<form><rtc-camera name="photo" required audio="false"></rtc-camera></form>`,
    );
    await camera.start();
    await camera.snapshot();
    await camera.updateComplete;
    expect(f.checkValidity()).to.equal(true);
    f.reset();
    await camera.updateComplete;
    expect(camera.value).to.equal(null);
    expect(new FormData(f).get('photo')).to.equal(null);
    expect(f.checkValidity()).to.equal(false);
    camera.stop();
  });

  it('the validity message can be replaced', async () => {
    const { camera } = await form(
      html`<form><rtc-camera name="photo" required strings='{"required":"Bitte ein Foto aufnehmen."}'></rtc-camera></form>`,
    );
    expect(camera.checkValidity()).to.equal(false);
    expect(camera.validationMessage).to.equal('Bitte ein Foto aufnehmen.');
  });

  it('a disabled fieldset, or the disabled attribute, disables the controls', async () => {
    const { form: f, camera } = await form(
      html`<form><fieldset disabled><rtc-camera name="photo"></rtc-camera></fieldset></form>`,
    );
    await camera.updateComplete;
    expect(camera.shadowRoot!.querySelector<HTMLButtonElement>('[part~="start-button"]')!.disabled).to.equal(true);
    f.querySelector('fieldset')!.disabled = false;
    await camera.updateComplete;
    expect(camera.shadowRoot!.querySelector<HTMLButtonElement>('[part~="start-button"]')!.disabled).to.equal(false);
    camera.setAttribute('disabled', '');
    await camera.updateComplete;
    expect(camera.shadowRoot!.querySelector<HTMLButtonElement>('[part~="start-button"]')!.disabled).to.equal(true);
  });

  it('the disabled property disables the controls and is reflected; a disabled fieldset leaves it false', async () => {
    const { form: f, camera } = await form(
      html`<form><fieldset><rtc-camera name="photo"></rtc-camera></fieldset></form>`,
    );
    const startButton = () => camera.shadowRoot!.querySelector<HTMLButtonElement>('[part~="start-button"]')!;
    camera.disabled = true;
    await until(() => startButton().disabled, 'the start button disabled');
    expect(camera.hasAttribute('disabled')).to.equal(true);
    camera.disabled = false;
    await until(() => !startButton().disabled, 'the start button enabled again');
    expect(camera.hasAttribute('disabled')).to.equal(false);
    // As with an <input>: the fieldset disables it without changing its own property.
    f.querySelector('fieldset')!.disabled = true;
    await until(() => startButton().disabled, 'the start button disabled by the fieldset');
    expect(camera.disabled).to.equal(false);
  });
});
