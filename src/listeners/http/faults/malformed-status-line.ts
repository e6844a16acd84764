import { Type } from 'typebox';
import { defineHttpFault } from '../define-fault.js';
import { sendAndClose } from '../response.js';

/** malformed-status-line: `statusLine` (default `HTTP/1.1 2OO OK`, letters O for zeros), then a well-formed rest. */
export const malformedStatusLineFault = defineHttpFault({
  name: 'malformed-status-line',
  params: {
    /** The status line, written as is before CRLF. */
    statusLine: Type.Optional(Type.String({ maxLength: 8192, pattern: '^[^\\r\\n]*$' })),
  },
  defaults: { statusLine: 'HTTP/1.1 2OO OK' },
  behaviour(context) {
    const line = context.params.statusLine;
    context.fault(`status line ${JSON.stringify(line)}`);
    const body = `badorigin ${context.id}\n`;
    sendAndClose(
      context.socket,
      Buffer.from(`${line}\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`, 'latin1'),
    );
  },
});
