// The lobby's sound check: turn the microphone on, see its level move, pick a device, play a
// test sound; or choose to listen only. Someone without a microphone can still take part.

/** Return a sound check over the markup in templates/pages/participant.html. */
export function createSoundCheck(root, { onMic, onNoMic }) {
  const $ = (selector) => root.querySelector(selector);
  const status = $("[data-sound-status]");
  const live = $("[data-sound-live]");
  const level = $("[data-sound-level]");
  const devices = $("[data-sound-device]");
  let stream = null;
  let audio = null;
  let meterFrame = 0;

  function say(text) {
    status.textContent = text;
  }

  function stopMeter() {
    cancelAnimationFrame(meterFrame);
    meterFrame = 0;
  }

  function startMeter() {
    stopMeter();
    audio ??= new AudioContext();
    const analyser = audio.createAnalyser();
    analyser.fftSize = 512;
    audio.createMediaStreamSource(stream).connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    const draw = () => {
      analyser.getFloatTimeDomainData(samples);
      let sum = 0;
      for (const s of samples) sum += s * s;
      // A comfortable speaking voice fills most of the meter.
      level.value = Math.min(1, Math.sqrt(sum / samples.length) * 5);
      meterFrame = requestAnimationFrame(draw);
    };
    draw();
  }

  async function listDevices() {
    const found = (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === "audioinput");
    const chosen = stream?.getAudioTracks()[0]?.getSettings().deviceId;
    devices.replaceChildren(
      ...found.map((device, i) => {
        const option = document.createElement("option");
        option.value = device.deviceId;
        option.textContent = device.label || `Microphone ${i + 1}`;
        option.selected = device.deviceId === chosen;
        return option;
      }),
    );
  }

  async function turnOn(deviceId) {
    try {
      const audioConstraints = deviceId ? { deviceId: { exact: deviceId } } : true;
      const next = await navigator.mediaDevices.getUserMedia({ audio: audioConstraints, video: false });
      stream?.getTracks().forEach((track) => track.stop());
      stream = next;
    } catch {
      say("We couldn't use a microphone. You can still listen, and pass when it's your turn.");
      onNoMic();
      return;
    }
    live.hidden = false;
    $("[data-sound-start]").hidden = true;
    say("Your microphone is on. Speak and watch the level move. Only your room hears you, and only on your turn.");
    startMeter();
    await listDevices();
    onMic(stream.getAudioTracks()[0]);
  }

  function testSound() {
    audio ??= new AudioContext();
    const tone = audio.createOscillator();
    const gain = audio.createGain();
    tone.frequency.value = 523.25;
    gain.gain.setValueAtTime(0.0001, audio.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.2, audio.currentTime + 0.05);
    gain.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + 0.8);
    tone.connect(gain).connect(audio.destination);
    tone.start();
    tone.stop(audio.currentTime + 0.85);
    say("Playing a test sound. If you heard it, your sound is working.");
  }

  $("[data-sound-start]").addEventListener("click", () => turnOn(null));
  $("[data-sound-skip]").addEventListener("click", () => {
    say("You'll listen only. When it's your turn you can pass.");
    onNoMic();
  });
  $("[data-sound-test]").addEventListener("click", testSound);
  devices.addEventListener("change", () => turnOn(devices.value));

  // Back after a reload with the microphone already allowed: turn it on again without asking,
  // so a speaker who reloads is still heard.
  navigator.permissions
    ?.query({ name: "microphone" })
    .then((permission) => {
      if (permission.state === "granted" && !stream) turnOn(null);
    })
    .catch(() => {});

  return {
    turnOn,
    /** Stop the level meter (the rooms have started; the microphone stays with the call). */
    stopMeter,
    get track() {
      return stream?.getAudioTracks()[0] ?? null;
    },
  };
}
