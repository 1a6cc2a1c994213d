package dev.history.fulfillment;

/**
 * OAuth2 client-credentials for one task. {@code authMethod} is {@code basic} (client id and secret in
 * an {@code Authorization: Basic} header, the RFC 6749 default) or {@code post} (in the form body).
 */
public record OAuth2Settings(String tokenUrl, String clientId, String clientSecret, String scope, String authMethod) {
    @Override
    public String toString() {
        return "OAuth2Settings[tokenUrl=" + tokenUrl + ", clientId=" + clientId + ", scope=" + scope
                + ", authMethod=" + authMethod + "]";
    }
}
