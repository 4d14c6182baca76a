// The reference the benchmarks compare with: a plain RTCDataChannel between
// the same two Chromium pages, fed 64 KiB messages with ≤ 64 KiB buffered.

/** `bytes` over a raw RTCDataChannel between two pages, 64 KiB messages; MB/s. */
export async function rawThroughput(a, b, bytes, { chunk = 64 * 1024, high = 64 * 1024, low = 0 } = {}) {
  const offer = await a.evaluate(async () => {
    const pc = new RTCPeerConnection({ iceServers: [] });
    window.rawPc = pc;
    window.rawChannel = pc.createDataChannel('raw', { ordered: true });
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise((r) => { if (pc.iceGatheringState === 'complete') r(); pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && r(); setTimeout(r, 2000); });
    return pc.localDescription.sdp;
  });
  const answer = await b.evaluate(async (sdp) => {
    const pc = new RTCPeerConnection({ iceServers: [] });
    window.rawPc = pc;
    window.rawReceived = new Promise((resolve) => {
      pc.ondatachannel = ({ channel }) => {
        let received = 0;
        channel.binaryType = 'arraybuffer';
        channel.onmessage = (e) => {
          received += e.data.byteLength;
          if (received >= window.rawExpected) {
            channel.send('done');
            resolve();
          }
        };
      };
    });
    await pc.setRemoteDescription({ type: 'offer', sdp });
    await pc.setLocalDescription(await pc.createAnswer());
    await new Promise((r) => { if (pc.iceGatheringState === 'complete') r(); pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && r(); setTimeout(r, 2000); });
    return pc.localDescription.sdp;
  }, offer);
  await b.evaluate((bytes) => { window.rawExpected = bytes; }, bytes);
  const ms = await a.evaluate(async ({ sdp, bytes, chunk, high, low }) => {
    const channel = window.rawChannel;
    await window.rawPc.setRemoteDescription({ type: 'answer', sdp });
    await new Promise((r) => (channel.readyState === 'open' ? r() : (channel.onopen = r)));
    channel.bufferedAmountLowThreshold = low;
    const done = new Promise((r) => { channel.onmessage = r; });
    const data = new Uint8Array(chunk);
    const started = performance.now();
    for (let sent = 0; sent < bytes; sent += chunk) {
      if (channel.bufferedAmount > high) await new Promise((r) => channel.addEventListener('bufferedamountlow', r, { once: true }));
      channel.send(data);
    }
    await done;
    return performance.now() - started;
  }, { sdp: answer, bytes: bytes, chunk, high, low });
  for (const page of [a, b]) await page.evaluate(() => window.rawPc.close());
  return bytes / 1e6 / (ms / 1000);
}
