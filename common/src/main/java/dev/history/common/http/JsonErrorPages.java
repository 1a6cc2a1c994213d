package dev.history.common.http;

import dev.history.common.Json;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.ee10.servlet.ErrorHandler;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The answers Jetty writes itself — a request that failed outside the routes (its connection ended early,
 * the server was stopping, the request was malformed) — in the API's one error shape instead of Jetty's HTML
 * page. A failure on the server's side is a 503 with Retry-After, as the contract promises for anything that
 * is not the client's fault: the chaos test saw "Error 200 org.eclipse.jetty.io.EofException" HTML pages
 * relayed by the proxy, some even under status 200.
 */
final class JsonErrorPages extends ErrorHandler {
    @Override
    protected boolean generateAcceptableResponse(Request request, Response response, Callback callback, String contentType,
            List<Charset> charsets, int code, String message, Throwable cause) throws IOException {
        boolean clientError = code >= 400 && code < 500;
        if (clientError) {
            write(response, callback, code, message == null || message.isBlank() ? HttpStatus.getMessage(code) : message);
        } else {
            write(response, callback, 503, "the request failed inside the server before it could be answered; retry");
        }
        return true;
    }

    static void write(Response response, Callback callback, int status, String message) {
        Map<String, Object> body = Responses.errorBody(message, status == 503 ? Map.of("retryAfterSeconds", 1) : Map.of());
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        if (status == 503) response.getHeaders().put(HttpHeader.RETRY_AFTER, "1");
        response.write(true, ByteBuffer.wrap(Json.write(body)), callback);
    }
}
