/**
 * The loudness of a stream's audio, read on demand: the join screen's microphone meter and the
 * speaking ring of your own tile. (The others' levels come from getStats(), which measures what
 * was received.) One AudioContext serves the page; each AudioLevel is an analyser on it. Imported
 * with import() by the call on its first stream with audio, and by the doctor's checks (which load
 * when a run starts): a camera page never downloads it.
 */

/**
 * Samples per reading: the most an AnalyserNode keeps, about 0.7 s at 48 kHz. That is longer than
 * the call's stats interval, so a short sound between two readings still counts (as the others'
 * levels, from the energy received over the interval, do).
 */
const WINDOW = 32768;

let context: AudioContext | undefined;

export class AudioLevel {
  #source: MediaStreamAudioSourceNode;
  #analyser: AnalyserNode;
  #samples = new Float32Array(WINDOW);

  /** Measures `stream`'s audio; a stream without audio reads 0. */
  constructor(stream: MediaStream) {
    context ??= new AudioContext();
    // Created outside a user gesture the context starts suspended (autoplay policy); the next
    // gesture (the join press) lets it run.
    void context.resume();
    this.#source = context.createMediaStreamSource(stream);
    this.#analyser = context.createAnalyser();
    this.#analyser.fftSize = WINDOW;
    this.#source.connect(this.#analyser);
  }

  /** The root mean square of the last samples, 0 (silence) to 1. */
  read(): number {
    this.#analyser.getFloatTimeDomainData(this.#samples);
    let sum = 0;
    for (const sample of this.#samples) sum += sample * sample;
    return Math.sqrt(sum / WINDOW);
  }

  /**
   * Whether the audio is being measured: an AudioContext made without a user gesture waits for
   * one (the autoplay policy), and reads silence until then.
   */
  get running(): boolean {
    return context!.state === 'running';
  }

  close(): void {
    this.#source.disconnect();
  }
}
