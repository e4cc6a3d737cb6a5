// Soak test (`npm run soak`): three calls joining one room at the same moment, many times in a row,
// each until every call plays the others' video; a run that does not get there prints each call's
// connections.
import { fixtureCleanup } from '@open-wc/testing';
import '../../components/rtc-call.js';
import { call, pcs, remoteVideos } from '../browser/call-harness.js';
import { soak } from './soak.js';

describe('soak: calls joining at once', function () {
  this.timeout(0);

  it('three calls that join a room at once all see each other every time', async () => {
    await soak('three calls at once', async () => {
      try {
        await call(['ann', 'bob', 'cy']);
        return undefined;
      } catch (error) {
        return [
          (error as Error).message,
          ...[...document.querySelectorAll('rtc-call')].map((el) => {
            const videos = remoteVideos(el).map((video) => video.videoWidth);
            const links = pcs(el).map((pc) => `${pc.signalingState}/${pc.iceConnectionState}/${pc.connectionState}`);
            return `${el.name}: remote video widths ${videos.join(',')}; connections ${links.join(', ')}`;
          }),
        ];
      } finally {
        fixtureCleanup();
      }
    });
  });
});
