import type { MessageInput } from '../../src/types.js';

/**
 * A deterministic, synthetic customer-support conversation (written for this project; no
 * third-party text): a customer and an agent work through orders, a faulty device, a refund and
 * a subscription change over several days, with tool calls and their results.
 */

/** mulberry32 (Tommy Ettinger's 32-bit PRNG): small, fast and seedable, so the demo never varies. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PRODUCTS = ['Nimbus X2 router', 'Nimbus mesh satellite', 'Aurora smart plug', 'Aurora doorbell', 'Helix USB-C dock'];
const CITIES = ['Lisbon', 'Porto', 'Madrid', 'Lyon', 'Turin'];
const ISSUES = ['drops the Wi-Fi every evening', 'blinks orange after a firmware update', 'will not pair with the app', 'gets very warm', 'reboots when the microwave runs'];
const SMALL_TALK = [
  ['Thanks for the quick answer.', 'You are welcome! Anything else I can check for you?'],
  ['Sorry, my cat just walked over the keyboard.', 'No problem at all, cats have priority. Take your time.'],
  ['Is your support open on weekends?', 'Yes, chat support is open every day from 8:00 to 22:00 CET.'],
  ['Can I get the invoice as a PDF?', 'Of course. Invoices are in your account under Orders → Documents, and I can also email it.'],
];

/** @param turns approximate number of user turns (each followed by an agent reply, some with tool calls) */
export function generateSupportChat(options: { seed?: number; turns?: number } = {}): MessageInput[] {
  const random = mulberry32(options.seed ?? 42);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const turns = options.turns ?? 110;
  const messages: MessageInput[] = [];
  let time = Date.UTC(2026, 2, 2, 9, 0);
  let callCounter = 0;
  const at = () => {
    time += Math.floor(30_000 + random() * 240_000);
    return new Date(time);
  };
  const orderIds: string[] = [];

  for (let turn = 0; turn < turns; turn += 1) {
    if (turn > 0 && turn % 25 === 0) time += 86_400_000; // a new day
    const product = pick(PRODUCTS);
    const scenario = turn % 6;
    if (scenario === 0 || orderIds.length === 0) {
      const orderId = `A-${10_000 + Math.floor(random() * 89_999)}`;
      orderIds.push(orderId);
      messages.push({ role: 'user', name: 'customer', content: `Hi, I ordered a ${product} (order ${orderId}) to ${pick(CITIES)}. Where is it?`, createdAt: at() });
      const callId = `call_${(callCounter += 1)}`;
      messages.push({ role: 'assistant', name: 'agent', content: [{ type: 'text', text: 'Let me look that order up.' }, { type: 'tool-call', toolCallId: callId, toolName: 'lookup_order', input: { orderId } }], createdAt: at() });
      const days = 1 + Math.floor(random() * 5);
      messages.push({ role: 'tool', content: [{ type: 'tool-result', toolCallId: callId, toolName: 'lookup_order', output: { orderId, product, status: 'in transit', carrier: 'ParcelFast', etaDays: days } }], createdAt: at() });
      messages.push({ role: 'assistant', name: 'agent', content: `Your ${product} (order ${orderId}) is in transit with ParcelFast and should arrive in about ${days} day${days === 1 ? '' : 's'}.`, createdAt: at() });
    } else if (scenario === 1) {
      const issue = pick(ISSUES);
      messages.push({ role: 'user', name: 'customer', content: `My ${product} ${issue}. I already restarted it twice.`, createdAt: at() });
      messages.push({ role: 'assistant', name: 'agent', content: `I am sorry about that. Please hold the reset button for 10 seconds, wait for a steady white light, then set it up again in the app. If it still ${issue}, I will open a ticket.`, createdAt: at() });
    } else if (scenario === 2) {
      const orderId = pick(orderIds);
      messages.push({ role: 'user', name: 'customer', content: `The reset did not help. Can you open a ticket for order ${orderId}?`, createdAt: at() });
      const callId = `call_${(callCounter += 1)}`;
      const ticket = `T-${5000 + Math.floor(random() * 4999)}`;
      messages.push({ role: 'assistant', name: 'agent', content: [{ type: 'tool-call', toolCallId: callId, toolName: 'create_ticket', input: { orderId, priority: random() > 0.5 ? 'high' : 'normal' } }], createdAt: at() });
      messages.push({ role: 'tool', content: [{ type: 'tool-result', toolCallId: callId, toolName: 'create_ticket', output: { ticket, queue: 'hardware', slaHours: 48 } }], createdAt: at() });
      messages.push({ role: 'assistant', name: 'agent', content: `Done: ticket ${ticket} is in the hardware queue; a technician replies within 48 hours.`, createdAt: at() });
    } else if (scenario === 3) {
      const orderId = pick(orderIds);
      const amount = (20 + Math.floor(random() * 180)).toFixed(2);
      messages.push({ role: 'user', name: 'customer', content: `I would like a refund for order ${orderId}, it was ${amount} EUR.`, createdAt: at() });
      const checkId = `call_${(callCounter += 1)}`;
      const refundId = `call_${(callCounter += 1)}`;
      messages.push({ role: 'assistant', name: 'agent', content: [{ type: 'text', text: 'Checking eligibility and starting the refund.' }, { type: 'tool-call', toolCallId: checkId, toolName: 'check_refund_policy', input: { orderId } }, { type: 'tool-call', toolCallId: refundId, toolName: 'issue_refund', input: { orderId, amountEur: Number(amount) } }], createdAt: at() });
      messages.push({ role: 'tool', content: [{ type: 'tool-result', toolCallId: checkId, toolName: 'check_refund_policy', output: { eligible: true, windowDays: 30 } }, { type: 'tool-result', toolCallId: refundId, toolName: 'issue_refund', output: { refunded: Number(amount), currency: 'EUR', settlesInDays: 5 } }], createdAt: at() });
      messages.push({ role: 'assistant', name: 'agent', content: `Your refund of ${amount} EUR for order ${orderId} is on its way and settles within 5 business days.`, createdAt: at() });
    } else if (scenario === 4) {
      const plan = random() > 0.5 ? 'Premium Care' : 'Basic Care';
      messages.push({ role: 'user', name: 'customer', content: `Please switch my subscription to ${plan} from next month.`, createdAt: at() });
      messages.push({ role: 'assistant', name: 'agent', content: `Noted: your subscription changes to ${plan} on the 1st of next month. You keep your current benefits until then.`, createdAt: at() });
    } else {
      const [question, answer] = pick(SMALL_TALK);
      messages.push({ role: 'user', name: 'customer', content: question!, createdAt: at() });
      messages.push({ role: 'assistant', name: 'agent', content: answer!, createdAt: at() });
    }
  }
  messages.push({ role: 'user', name: 'customer', content: 'One last thing: which refunds have I asked for so far, and is my ticket still open?', createdAt: at() });
  return messages.map((message, index) => ({ ...message, id: `support-${index + 1}` }));
}
