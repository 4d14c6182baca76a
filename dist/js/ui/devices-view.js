// @ts-check
// "My identity" → Devices: this identity's devices (chat/devices.js), a name
// for this one, and forgetting another — with the plain truth about what
// forgetting can and cannot do.

import { el, replaceChildren } from './dom.js';
import { ago } from './time.js';

/** devices: chat/devices.js. */
export function createDevicesView({ devices }) {
  const list = el('ul', { id: 'device-list', className: 'devices' });
  const name = el('input', { id: 'device-name', maxLength: 60, placeholder: 'Name this device (for example “laptop”)' });
  const message = el('span', { className: 'hint', role: 'status' });
  const section = el(
    'section',
    { id: 'devices', className: 'card' },
    el('h2', { text: 'Your devices' }),
    el('p', {
      className: 'hint',
      text: 'Log in with the same username and password anywhere: your contacts and groups follow. Anyone who knows both IS every one of your devices; forgetting a device here only deletes what it keeps when it next starts. The only way to cut a device (or a person who learnt your password) off for good is a new identity.',
    }),
    el('label', { for: 'device-name', text: 'This device’s name' }),
    el(
      'div',
      { className: 'row' },
      name,
      el('button', {
        type: 'button',
        id: 'device-name-save',
        text: 'Save',
        onclick: async () => {
          await devices.rename(name.value);
          message.textContent = 'Saved';
        },
      }),
      message,
    ),
    list,
  );

  function row(/** @type {{id: string, name: string, lastSeen: number, self: boolean}} */ device) {
    return el(
      'li',
      { className: 'device', 'data-device': device.id },
      el('strong', { text: device.name || `Unnamed device ${device.id.slice(0, 6)}` }),
      el('span', { className: 'hint', text: device.self ? ' — this device' : ` — last seen ${ago(device.lastSeen)}` }),
      device.self
        ? null
        : el('button', {
            type: 'button',
            className: 'ghost danger',
            text: 'Forget',
            'data-forget': device.id,
            onclick: () => {
              if (confirm('Forget this device? It deletes what it keeps here when it next starts. Whoever has your password can still log in anywhere.'))
                devices.forget(device.id);
            },
          }),
    );
  }

  function render() {
    const all = devices.list();
    if (document.activeElement !== name) name.value = all.find((d) => d.self)?.name ?? '';
    replaceChildren(list, all.map(row));
  }
  render();
  return { element: section, render };
}
