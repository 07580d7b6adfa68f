// Voice in the app: one WebRTC connection to each present roommate (a mesh of at most 7),
// audio only. Only the person with the floor sends (their microphone track is on their
// senders only while the snapshot gives them the floor), and every screen plays only the
// person the snapshot names: the decisions are in voice-decision.js. Signalling goes over the
// Socket.IO connection; the server relays it only within the room and never sees audio.

import { iOffer, micLive, peersFor, soundProblem, whoToPlay } from "./voice-decision.js";

const RETRY_MS = 4000; // a roommate not connected after this long is greeted again
const RESTART_GAP_MS = 1500; // an offerer starts afresh at most this often for one roommate
const CHECK_MS = 1000;

/** Return a short random id for this screen (a reload is a new screen). */
function newScreenId() {
  const bytes = new Uint8Array(9);
  crypto.getRandomValues(bytes);
  return btoa(String.fromCharCode(...bytes)).replace(/[+/=]/g, (c) => ({ "+": "-", "/": "_", "=": "" })[c]);
}

export class RoomVoice {
  /**
   * @param {object} options
   * @param {(event: string, payload: object) => Promise<object>} options.send
   * @param {HTMLElement} options.speakers - where each roommate's <audio> element lives
   * @param {(problem: string|null, speakerId: string|null) => void} options.onProblem
   */
  constructor({ send, speakers, onProblem, onBlocked = () => {} }) {
    this.send = send;
    this.speakers = speakers;
    this.onProblem = onProblem;
    this.onBlocked = onBlocked; // the browser wants a tap before it plays sound
    this.screen = newScreenId();
    this.myId = null;
    this.room = null;
    this.mic = null; // the microphone's track, once granted
    this.selfMuted = false;
    this.iceServers = [];
    this.peers = new Map(); // roommate id -> {pc, screen, audio, sender, pending, greeted, since}
    this.timer = setInterval(() => this.check(), CHECK_MS);
    this.lastProblem = undefined;
  }

  async configure() {
    const reply = await this.send("voice_config", {});
    if (reply.ok) this.iceServers = reply.ice_servers || [];
  }

  /** Use this microphone track (null: listen only). */
  setMic(track) {
    this.mic = track;
    this.applySending();
  }

  /** Mute my microphone for a moment (a cough) without giving up the floor. */
  setSelfMuted(muted) {
    this.selfMuted = muted;
    this.applySending();
  }

  /** Take in a room snapshot: who to connect to, who to play, whether to send. */
  update(room, myId) {
    this.room = room;
    this.myId = myId;
    const wanted = new Set(peersFor(room, myId));
    for (const [id, peer] of this.peers) {
      if (!wanted.has(id)) this.drop(id, peer);
    }
    for (const id of wanted) {
      if (!this.peers.has(id)) this.greet(id);
    }
    this.applyPlaying();
    this.applySending();
    this.check();
  }

  /** Handle a relayed signalling message. */
  async onSignal(message) {
    if (!this.myId || message.from === this.myId) return;
    if (message.to_screen && message.to_screen !== this.screen) return; // for my other screen
    const from = message.from;
    let peer = this.peers.get(from);
    if (message.kind === "bye") {
      if (peer && peer.screen === message.screen) this.drop(from, peer);
      return;
    }
    if (!peersFor(this.room, this.myId).includes(from)) return;
    const fresh = !peer || peer.screen !== message.screen;
    if (fresh && message.kind !== "hello" && message.kind !== "offer") return; // an old screen's
    if (message.kind === "hello") {
      // A hello from a screen I am connected to means its side broke: start afresh.
      if (iOffer(this.myId, from)) {
        if (fresh || Date.now() - peer.offered > RESTART_GAP_MS) {
          if (peer) this.drop(from, peer);
          await this.offer(from, this.connect(from, message.screen));
        }
      } else {
        if (fresh) {
          if (peer) this.drop(from, peer);
          this.connect(from, message.screen);
        }
        this.signal(from, "hello", { to_screen: message.screen }); // so the offerer offers
      }
      return;
    }
    if (message.kind === "offer" && (fresh || peer.pc?.remoteDescription)) {
      // Connections are never renegotiated here (the floor moves by swapping tracks), so an
      // offer to a connection that already has one is a fresh start: a new connection.
      if (peer) this.drop(from, peer);
      peer = this.connect(from, message.screen);
    }
    try {
      if (message.kind === "offer") {
        await peer.pc.setRemoteDescription({ type: "offer", sdp: message.sdp });
        const [line] = peer.pc.getTransceivers();
        if (line && !peer.sender) {
          line.direction = "sendrecv";
          peer.sender = line.sender;
          this.applySending();
        }
        await this.flushCandidates(peer);
        await peer.pc.setLocalDescription(await peer.pc.createAnswer());
        this.signal(from, "answer", { to_screen: peer.screen, sdp: peer.pc.localDescription.sdp });
      } else if (message.kind === "answer") {
        if (peer.pc.signalingState === "have-local-offer") {
          await peer.pc.setRemoteDescription({ type: "answer", sdp: message.sdp });
          await this.flushCandidates(peer);
        }
      } else if (message.kind === "candidate") {
        const candidate = {
          candidate: message.candidate,
          sdpMid: message.sdpMid,
          sdpMLineIndex: message.sdpMLineIndex,
        };
        if (peer.pc.remoteDescription) await peer.pc.addIceCandidate(candidate);
        else peer.pending.push(candidate);
      }
    } catch {
      // A message for an older negotiation: the next greeting starts a clean one.
    }
  }

  /** Greet a roommate: whichever of us offers will start the connection. */
  greet(id) {
    const peer = this.peers.get(id);
    if (peer) peer.greeted = Date.now();
    else this.peers.set(id, { pc: null, screen: null, greeted: Date.now(), since: Date.now() });
    this.signal(id, "hello", {});
  }

  /**
   * Make the connection to one roommate's screen. The one who offers adds the audio line; the
   * other takes the line the offer makes (a line added beforehand would not be matched to it,
   * and what it sent would go nowhere).
   */
  connect(id, screen) {
    const pc = new RTCPeerConnection({ iceServers: this.iceServers });
    const transceiver = iOffer(this.myId, id) ? pc.addTransceiver("audio", { direction: "sendrecv" }) : null;
    const audio = document.createElement("audio");
    audio.autoplay = true;
    audio.dataset.peer = id;
    audio.muted = true;
    this.speakers.append(audio);
    const now = Date.now();
    const peer = { pc, screen, audio, sender: transceiver?.sender ?? null, pending: [], greeted: now, since: now, offered: 0 };
    pc.onicecandidate = ({ candidate }) => {
      if (candidate) {
        this.signal(id, "candidate", {
          to_screen: peer.screen,
          candidate: candidate.candidate,
          sdpMid: candidate.sdpMid,
          sdpMLineIndex: candidate.sdpMLineIndex,
        });
      }
    };
    pc.ontrack = ({ track }) => {
      audio.srcObject = new MediaStream([track]);
      this.applyPlaying();
    };
    pc.onconnectionstatechange = () => {
      peer.since = Date.now();
      this.check();
    };
    this.peers.set(id, peer);
    this.applySending();
    return peer;
  }

  async offer(id, peer) {
    peer.offered = Date.now();
    try {
      await peer.pc.setLocalDescription(await peer.pc.createOffer());
      this.signal(id, "offer", { to_screen: peer.screen, sdp: peer.pc.localDescription.sdp });
    } catch {
      // Tried again at the next greeting.
    }
  }

  async flushCandidates(peer) {
    for (const candidate of peer.pending.splice(0)) {
      try {
        await peer.pc.addIceCandidate(candidate);
      } catch {
        // A candidate for an older negotiation.
      }
    }
  }

  drop(id, peer) {
    peer.pc?.close();
    peer.audio?.remove();
    this.peers.delete(id);
  }

  signal(to, kind, extra) {
    this.send("signal", { to, kind, screen: this.screen, ...extra });
  }

  /** Play only the person with the floor; every other roommate is silent here. */
  applyPlaying() {
    const speaker = whoToPlay(this.room, this.myId);
    for (const [id, peer] of this.peers) {
      if (!peer.audio) continue;
      const play = id === speaker;
      peer.audio.muted = !play;
      if (play && peer.audio.paused && peer.audio.srcObject) peer.audio.play().catch(() => this.onBlocked());
    }
  }

  /** Put my microphone on my connections only while I have the floor. */
  applySending() {
    const live = micLive(this.room, this.myId, { selfMuted: this.selfMuted }) && this.mic;
    for (const peer of this.peers.values()) {
      if (!peer.sender) continue;
      const track = live ? this.mic : null;
      if (peer.sender.track !== track) peer.sender.replaceTrack(track).catch(() => {});
    }
  }

  /** Greet roommates not yet connected, and say what the person should know about sound. */
  check() {
    const now = Date.now();
    for (const [id, peer] of this.peers) {
      const state = peer.pc ? peer.pc.connectionState : "new";
      if (state !== "connected" && now - peer.greeted > RETRY_MS) {
        if (peer.pc && (state === "failed" || state === "closed")) this.drop(id, peer);
        this.greet(id);
      }
    }
    const speaker = whoToPlay(this.room, this.myId);
    const peer = speaker ? this.peers.get(speaker) : null;
    const state = peer?.pc ? peer.pc.connectionState : "new";
    const problem = soundProblem(this.room, this.myId, state, peer ? now - peer.since : 0);
    if (problem !== this.lastProblem) {
      this.lastProblem = problem;
      this.onProblem(problem, speaker);
    }
  }

  /** Try playing again after the person tapped (browsers may block sound until they do). */
  unblock() {
    for (const peer of this.peers.values()) peer.audio?.play().catch(() => {});
  }

  /** Say goodbye to every roommate and stop (the session ended, or the page goes). */
  close() {
    clearInterval(this.timer);
    for (const [id, peer] of this.peers) {
      if (peer.screen) this.signal(id, "bye", { to_screen: peer.screen });
      this.drop(id, peer);
    }
  }
}
