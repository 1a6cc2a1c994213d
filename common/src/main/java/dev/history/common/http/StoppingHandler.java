package dev.history.common.http;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty's graceful stop (requests in flight finish) with the API's answer for a request that arrives on a kept-alive
 * connection after the stop began: 503 + Retry-After in the JSON error shape, instead of Jetty's bare 503 (which a
 * forwarding instance relayed, without Retry-After, in the chaos test).
 */
final class StoppingHandler extends GracefulHandler {
    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        if (!isShutdown()) return super.handle(request, response, callback);
        response.getHeaders().put(HttpHeader.CONNECTION, "close");
        JsonErrorPages.write(response, callback, 503, "this instance is stopping; retry");
        return true;
    }
}
