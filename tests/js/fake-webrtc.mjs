// A stand-in for WebRTC in node: every RTCPeerConnection a room builds is
// recorded in `built`; it never connects by itself, so a test drives
// signalling only — or opens a connection's data channel and plays the peer
// on it (fake-peer.mjs). Importing this module installs it; import it before
// the modules under test.

export const built = [];
/** An SDP line naming a DTLS certificate, as every real description has one. */
const FINGERPRINT = `a=fingerprint:sha-256 ${Array.from({ length: 32 }, () => 'AB').join(':')}`;

class FakeChannel extends EventTarget {
  readyState = 'connecting';
  bufferedAmount = 0;
  /** What our side sent on it. */
  sent = [];
  constructor(label) {
    super();
    this.label = label;
  }
  send(data) {
    if (this.readyState !== 'open') throw new Error('InvalidStateError: channel not open');
    this.sent.push(new Uint8Array(data));
  }
  /** The connection came up. */
  open() {
    this.readyState = 'open';
    this.dispatchEvent(new Event('open'));
  }
  /** The peer sent `bytes`. */
  receive(bytes) {
    this.dispatchEvent(Object.assign(new Event('message'), { data: Uint8Array.from(bytes).buffer }));
  }
  close() {
    if (this.readyState === 'closed') return;
    this.readyState = 'closed';
    this.dispatchEvent(new Event('close'));
  }
}
class FakePeerConnection extends EventTarget {
  constructor() {
    super();
    this.connectionState = 'new';
    this.iceGatheringState = 'complete';
    this.channels = new Map();
    built.push(this);
  }
  /** The session's channel (the first one WebRTC names 'trustero'). */
  get channel() {
    if (!this.channels.has('trustero')) this.channels.set('trustero', new FakeChannel('trustero'));
    return this.channels.get('trustero');
  }
  async setRemoteDescription(description) {
    this.remoteDescription = description;
  }
  async createAnswer() {
    return { type: 'answer', sdp: `v=0 answer\r\n${FINGERPRINT}\r\n` };
  }
  async createOffer() {
    return { type: 'offer', sdp: `v=0 offer\r\n${FINGERPRINT}\r\n` };
  }
  async setLocalDescription(description) {
    this.localDescription = description;
  }
  added = [];
  async addIceCandidate(candidate) {
    if (!this.remoteDescription) throw new Error('InvalidStateError: no remote description');
    this.added.push(candidate.candidate);
  }
  /** A local candidate found after the offer or answer went out. */
  gather(candidate) {
    this.dispatchEvent(Object.assign(new Event('icecandidate'), { candidate: { candidate, sdpMid: '0', sdpMLineIndex: 0 } }));
  }
  createDataChannel(label) {
    if (label === 'trustero') return this.channel;
    const channel = new FakeChannel(label);
    this.channels.set(label, channel);
    return channel;
  }
  close() {
    if (this.connectionState === 'closed') return;
    this.connectionState = 'closed';
    this.dispatchEvent(new Event('connectionstatechange'));
    for (const channel of this.channels.values()) channel.close();
    this.channel.close();
  }
}
globalThis.RTCPeerConnection = FakePeerConnection;
// The answering side waits for a 'datachannel' event: deliver the channel.
const realAdd = FakePeerConnection.prototype.addEventListener;
FakePeerConnection.prototype.addEventListener = function add(type, listener, options) {
  realAdd.call(this, type, listener, options);
  if (type === 'datachannel') listener({ channel: this.channel });
};
