package io.changestream.archiver.checkpoint;

import java.util.Objects;
import org.bson.BsonValue;

/**
 * One written part of a snapshot: {@code part-NNNNN.json[.gz]}, its documents, stored byte length and SHA-256, and
 * the {@code _id} of its last document, where the next part's read continues.
 *
 * @param number    0, 1, 2… in {@code _id} order
 * @param documents documents (lines) in the part
 * @param bytes     stored length (compressed with gzip)
 * @param sha256    lower-case hex SHA-256 of the stored bytes
 * @param lastId    {@code _id} of the part's last document
 */
public record SnapshotPart(int number, long documents, long bytes, String sha256, BsonValue lastId) {
    public SnapshotPart {
        if (number < 0 || documents < 1 || bytes < 1) {
            throw new IllegalArgumentException("snapshot part " + number + " must hold at least one document and "
                    + "byte, got " + documents + " documents, " + bytes + " bytes");
        }
        Objects.requireNonNull(sha256, "sha256");
        Objects.requireNonNull(lastId, "lastId");
    }
}
