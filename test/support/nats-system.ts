/**
 * The system user's permissions as README (What the NATS server knows, Least privilege) documents
 * them, for a test's nats-server configuration: the e2e suites run Pulse with exactly these.
 */
export const SYSTEM_USER_PERMISSIONS = `permissions: {
  publish: ["$SYS.REQ.SERVER.PING.CONNZ", "$SYS.REQ.ACCOUNT.PING.STATZ", "$SYS.REQ.SERVER.PING.ACCOUNTZ", "$SYS.REQ.SERVER.PING.JSZ"]
  subscribe: ["$SYS.ACCOUNT.*.CONNECT", "$SYS.ACCOUNT.*.DISCONNECT", "$SYS.ACCOUNT.*.SERVER.CONNS", "$SYS.SERVER.*.CLIENT.AUTH.ERR", "_PULSE_INBOX.>"]
}`;
