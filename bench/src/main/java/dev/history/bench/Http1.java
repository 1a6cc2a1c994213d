package dev.history.bench;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A minimal blocking HTTP/1.1 keep-alive client over one socket: the cheapest way to generate load
 * from a JVM (no selector, no per-request allocation beyond the body), so the generator takes as
 * little of the shared 2 cores as possible. Handles Content-Length and chunked responses.
 */
final class Http1 implements AutoCloseable {
    record Response(int status, byte[] body) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private final String host;
    private final int port;
    private Socket socket;
    private InputStream in;
    private OutputStream out;

    Http1(String host, int port) {
        this.host = host;
        this.port = port;
    }

    private void connect() throws IOException {
        socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.connect(new InetSocketAddress(host, port), 5000);
        socket.setSoTimeout(30_000);
        in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
        out = socket.getOutputStream();
    }

    static byte[] post(String path, String host, byte[] body) {
        byte[] head = ("POST " + path + " HTTP/1.1\r\nHost: " + host + "\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[head.length + body.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(body, 0, all, head.length, body.length);
        return all;
    }

    static byte[] get(String pathAndQuery, String host) {
        return ("GET " + pathAndQuery + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** Sends one complete request (head + body bytes) and reads the whole response; reconnects once if the server closed. */
    Response exchange(byte[] request) throws IOException {
        for (int attempt = 0; ; attempt++) {
            try {
                if (socket == null) connect();
                out.write(request);
                out.flush();
                return read();
            } catch (IOException e) {
                closeQuietly();
                if (attempt > 0) throw e;
            }
        }
    }

    private Response read() throws IOException {
        String statusLine = line();
        if (statusLine == null) throw new IOException("connection closed");
        int status = Integer.parseInt(statusLine.substring(9, 12));
        long length = -1;
        boolean chunked = false;
        boolean close = false;
        String header;
        while (!(header = line()).isEmpty()) {
            int colon = header.indexOf(':');
            if (colon < 0) continue;
            String name = header.substring(0, colon).trim();
            String value = header.substring(colon + 1).trim();
            if (name.equalsIgnoreCase("content-length")) length = Long.parseLong(value);
            else if (name.equalsIgnoreCase("transfer-encoding")) chunked = value.equalsIgnoreCase("chunked");
            else if (name.equalsIgnoreCase("connection")) close = value.equalsIgnoreCase("close");
        }
        byte[] body;
        if (chunked) {
            ByteArrayOutputStream buffer = new ByteArrayOutputStream();
            while (true) {
                String size = line();
                int semi = size.indexOf(';');
                int n = Integer.parseInt((semi < 0 ? size : size.substring(0, semi)).trim(), 16);
                if (n == 0) {
                    while (!line().isEmpty()) { /* trailers */ }
                    break;
                }
                buffer.write(in.readNBytes(n));
                line();
            }
            body = buffer.toByteArray();
        } else if (length >= 0) {
            body = in.readNBytes((int) length);
            if (body.length < length) throw new IOException("short body");
        } else {
            body = in.readAllBytes();
            close = true;
        }
        if (close) closeQuietly();
        return new Response(status, body);
    }

    private final StringBuilder lineBuffer = new StringBuilder(128);

    private String line() throws IOException {
        lineBuffer.setLength(0);
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                int len = lineBuffer.length();
                if (len > 0 && lineBuffer.charAt(len - 1) == '\r') lineBuffer.setLength(len - 1);
                return lineBuffer.toString();
            }
            lineBuffer.append((char) c);
        }
        if (lineBuffer.length() == 0) return null;
        throw new IOException("connection closed mid-line");
    }

    private void closeQuietly() {
        try {
            if (socket != null) socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        socket = null;
    }

    @Override
    public void close() {
        closeQuietly();
    }
}
