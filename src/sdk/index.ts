export { type ClientStatus, type HeartbeatBody, PulseClient, type PulseClientOptions } from './pulse-client.js';
