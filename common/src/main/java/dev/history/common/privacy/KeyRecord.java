package dev.history.common.privacy;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A value on the compacted key topic. Two kinds, told apart by the record key:
 * <ul>
 *   <li>{@code <customer>/<keyId>}: one wrapped data key of a customer (a customer may briefly get two when
 *       two writers create its first key at once; both stay valid until the customer is forgotten);</li>
 *   <li>{@code erasure/<id>}: the receipt of an erasure request (no customer in it, only counts and times).</li>
 * </ul>
 * Forgetting a customer writes a tombstone for each of its data keys.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record KeyRecord(
        String customer, String keyId, String masterKeyId, String wrapped, String createdAt,
        String erasure, String status, String requestedAt, String completedAt, Integer keysDeleted) {

    public static final String ERASURE_PREFIX = "erasure/";

    public static KeyRecord dataKey(String customer, String keyId, String masterKeyId, String wrapped, String createdAt) {
        return new KeyRecord(customer, keyId, masterKeyId, wrapped, createdAt, null, null, null, null, null);
    }

    public static KeyRecord receipt(String erasure, String status, String requestedAt, String completedAt, Integer keysDeleted) {
        return new KeyRecord(null, null, null, null, null, erasure, status, requestedAt, completedAt, keysDeleted);
    }

    public static String dataKeyRecordKey(String customer, String keyId) {
        return customer + "/" + keyId;
    }
}
