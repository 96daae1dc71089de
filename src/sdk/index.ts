export {
  type ClientStatus,
  type HeartbeatBody,
  PulseClient,
  type PulseClientOptions,
  pulseConnectionName,
} from './pulse-client.js';
