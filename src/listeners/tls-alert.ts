import { readFirstRecord } from './connection/handshake-deadline.js';
import { parseClientHelloRecord, versionLabel } from '../tls/client-hello.js';
import { summarizeClientHello } from '../tls/client-hello-summary.js';
import { alertRecord, tlsRecordEnd } from '../tls/records.js';
import { sendAndClose } from './http/response.js';
import { Type, type Static } from 'typebox';
import { defineMechanism } from './define-mechanism.js';

const RECORD_VERSIONS = { SSLv3: 0x0300, TLSv1: 0x0301, 'TLSv1.1': 0x0302, 'TLSv1.2': 0x0303 } as const;

/** `params` of the `tls-alert` mechanism. */
export const TlsAlertParams = Type.Object(
  {
    /** AlertDescription to send (RFC 5246 §7.2), e.g. 80 internal_error, 40 handshake_failure. */
    alert: Type.Integer({ minimum: 0, maximum: 255 }),
    /** Record-layer version of the alert record; default `TLSv1` (0x0301, what TLS 1.0–1.3 servers may use before a version is agreed). */
    recordVersion: Type.Optional(Type.Enum(['SSLv3', 'TLSv1', 'TLSv1.1', 'TLSv1.2'])),
  },
  { additionalProperties: false },
);
export type TlsAlertParams = Static<typeof TlsAlertParams>;

/**
 * Reads the client's first TLS record (the ClientHello), reports it as a `client-hello` event when it parses, and
 * answers with one fatal alert record (RFC 5246 §7.2: level 2, the configured description), then closes with a FIN.
 * Reproduces fastly-tls-origin-configuration-messages § SSL and old TLS protocol errors ("TLSv1 alert internal error"
 * for 80, "SSL handshake failure" for 40). Input that does not frame as a record within 16 KiB + 2 KiB is just
 * closed, and so is one that does not within `--handshake-timeout-ms` (with a `fault` event); bytes that frame but do not parse as a ClientHello still get the alert (the listener does not care
 * what the client said). After the alert the socket keeps draining until the client closes (5 s at most). Never throws.
 */
export const tlsAlertMechanism = defineMechanism({
  name: 'tls-alert',
  transport: 'tls',
  params: TlsAlertParams,
  create(params, context) {
    const version = RECORD_VERSIONS[params.recordVersion ?? 'TLSv1'];
    return {
      onConnection(socket) {
        void readFirstRecord(socket, context.caps, context.emit).then((bytes) => {
          if (!bytes) return void socket.destroy();
          const record = bytes.subarray(0, tlsRecordEnd(bytes) ?? bytes.length);
          const parsed = parseClientHelloRecord(record);
          if (parsed.ok) context.emit({ type: 'client-hello', clientHello: summarizeClientHello(parsed.hello) });
          const what = parsed.ok ? `${versionLabel(parsed.hello.version)} ClientHello` : `unparsable first record (${parsed.reason})`;
          context.emit({ type: 'fault', detail: `alert ${params.alert} after a ${what}`, alert: params.alert });
          // sendAndClose keeps draining after the FIN: readUntil paused the socket, and bytes left unread there would
          // hide the client's FIN and hold the half-closed connection open.
          sendAndClose(socket, alertRecord(params.alert, version));
        });
      },
    };
  },
});
