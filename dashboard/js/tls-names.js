// TLS alert descriptions by number: RFC 8446 §6 (TLS 1.3) and, for the older ones, RFC 5246 §7.2 and RFC 6101 §5.4.2.

const ALERTS = {
  0: 'close_notify',
  10: 'unexpected_message',
  20: 'bad_record_mac',
  21: 'decryption_failed',
  22: 'record_overflow',
  30: 'decompression_failure',
  40: 'handshake_failure',
  41: 'no_certificate',
  42: 'bad_certificate',
  43: 'unsupported_certificate',
  44: 'certificate_revoked',
  45: 'certificate_expired',
  46: 'certificate_unknown',
  47: 'illegal_parameter',
  48: 'unknown_ca',
  49: 'access_denied',
  50: 'decode_error',
  51: 'decrypt_error',
  60: 'export_restriction',
  70: 'protocol_version',
  71: 'insufficient_security',
  80: 'internal_error',
  86: 'inappropriate_fallback',
  90: 'user_canceled',
  100: 'no_renegotiation',
  109: 'missing_extension',
  110: 'unsupported_extension',
  112: 'unrecognized_name',
  113: 'bad_certificate_status_response',
  115: 'unknown_psk_identity',
  116: 'certificate_required',
  120: 'no_application_protocol',
};

/** The name of TLS alert `number`, or `unknown alert` when no RFC above names it. */
export function alertName(number) {
  return ALERTS[number] ?? 'unknown alert';
}

/**
 * The alert an OpenSSL error code names (`ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED`, `ERR_SSL_TLSV1_ALERT_UNKNOWN_CA`):
 * the alert the peer sent, as `certificate_expired`; null for other codes.
 */
export function alertInCode(code) {
  const match = /^ERR_SSL_(?:SSLV3|TLSV1|TLSV13)_ALERT_([A-Z0-9_]+)$/.exec(code ?? '');
  return match ? match[1].toLowerCase() : null;
}
