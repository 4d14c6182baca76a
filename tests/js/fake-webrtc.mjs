// A stand-in for WebRTC in node: every RTCPeerConnection a room builds is
// recorded in `built`; it never connects, so a test drives signalling only.
// Importing this module installs it; import it before the modules under test.

export const built = [];
class FakeChannel extends EventTarget {
  readyState = 'connecting';
}
class FakePeerConnection extends EventTarget {
  constructor() {
    super();
    this.connectionState = 'new';
    this.iceGatheringState = 'complete';
    this.channel = new FakeChannel();
    built.push(this);
  }
  async setRemoteDescription(description) { this.remoteDescription = description; }
  async createAnswer() { return { type: 'answer', sdp: 'v=0 answer' }; }
  async createOffer() { return { type: 'offer', sdp: 'v=0 offer' }; }
  async setLocalDescription(description) { this.localDescription = description; }
  added = [];
  async addIceCandidate(candidate) {
    if (!this.remoteDescription) throw new Error('InvalidStateError: no remote description');
    this.added.push(candidate.candidate);
  }
  /** A local candidate found after the offer or answer went out. */
  gather(candidate) {
    this.dispatchEvent(Object.assign(new Event('icecandidate'), { candidate: { candidate, sdpMid: '0', sdpMLineIndex: 0 } }));
  }
  createDataChannel() { return this.channel; }
  close() {
    if (this.connectionState === 'closed') return;
    this.connectionState = 'closed';
    this.dispatchEvent(new Event('connectionstatechange'));
    this.channel.dispatchEvent(new Event('close'));
  }
}
globalThis.RTCPeerConnection = FakePeerConnection;
// The answering side waits for a 'datachannel' event: deliver the channel.
const realAdd = FakePeerConnection.prototype.addEventListener;
FakePeerConnection.prototype.addEventListener = function add(type, listener, options) {
  realAdd.call(this, type, listener, options);
  if (type === 'datachannel') listener({ channel: Object.assign(this.channel, { label: 'trustero' }) });
};
