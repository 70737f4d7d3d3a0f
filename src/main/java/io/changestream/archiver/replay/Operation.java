package io.changestream.archiver.replay;

import io.changestream.archiver.capture.ChangeEvent;

/**
 * The {@code operationType}s replay knows how to apply, in the order the summary lists them. Document changes
 * ({@link #isDocumentChange()}) become writes; the others end or reshape the collection (DDL) and are applied, skipped
 * or stopped at by {@link DdlPolicy}. Every other type (MongoDB 6.0+ expanded events such as {@code create} or
 * {@code createIndexes}) changes no document and is counted as {@link #OTHER}.
 */
public enum Operation {
    INSERT("insert"), UPDATE("update"), REPLACE("replace"), DELETE("delete"),
    DROP("drop"), RENAME("rename"), DROP_DATABASE("dropDatabase"), INVALIDATE(ChangeEvent.INVALIDATE),
    OTHER("other");

    private final String type;

    Operation(String type) {
        this.type = type;
    }

    /** The {@code operationType} as MongoDB spells it. */
    public String type() {
        return type;
    }

    public boolean isDocumentChange() {
        return ordinal() <= DELETE.ordinal();
    }

    public boolean isDdl() {
        return this == DROP || this == RENAME || this == DROP_DATABASE || this == INVALIDATE;
    }

    public static Operation of(String operationType) {
        for (Operation op : values()) {
            if (op != OTHER && op.type.equals(operationType)) {
                return op;
            }
        }
        return OTHER;
    }
}
