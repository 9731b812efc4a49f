// A short two-tone chime made with WebAudio (no sound files), and desktop
// notifications for new chats.

let ctx = null;
let enabled = localStorage.getItem('kefu.sound') !== 'off';

export const soundEnabled = () => enabled;
export function setSound(on) {
  enabled = on;
  localStorage.setItem('kefu.sound', on ? 'on' : 'off');
  if (on) unlockAudio();
}

// Browsers only start audio after a user gesture: call this from one.
export function unlockAudio() {
  try {
    if (!ctx) ctx = new AudioContext();
    if (ctx.state === 'suspended') ctx.resume();
  } catch {
    ctx = null;
  }
}

export function chime(kind = 'chat') {
  if (!enabled || !ctx) return;
  const tones = kind === 'alert' ? [[880, 0], [660, 0.14], [880, 0.28]] : [[660, 0], [990, 0.12]];
  const t0 = ctx.currentTime + 0.01;
  for (const [freq, at] of tones) {
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.type = 'sine';
    osc.frequency.value = freq;
    gain.gain.setValueAtTime(0.0001, t0 + at);
    gain.gain.exponentialRampToValueAtTime(0.2, t0 + at + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, t0 + at + 0.18);
    osc.connect(gain).connect(ctx.destination);
    osc.start(t0 + at);
    osc.stop(t0 + at + 0.2);
  }
}

export function askNotificationPermission() {
  if (!('Notification' in window) || Notification.permission !== 'default') return;
  try {
    Notification.requestPermission().catch(() => {});
  } catch {
    /* older browsers: callback form; not worth supporting */
  }
}

export function notify(title, body, tag) {
  if (!('Notification' in window) || Notification.permission !== 'granted') return null;
  if (document.visibilityState === 'visible' && document.hasFocus()) return null;
  try {
    const n = new Notification(title, { body, tag, icon: 'favicon.svg' });
    n.onclick = () => {
      window.focus();
      n.close();
    };
    return n;
  } catch {
    return null;
  }
}
