package io.changestream.archiver.store.adls;

/** One request and how the server answered it ({@code errorCode} is empty on success), for test assertions. */
public record DfsExchange(DfsRequest request, int status, String errorCode) {
    public boolean unsupported() {
        return DfsError.UNSUPPORTED_BY_TEST_SERVER.equals(errorCode);
    }

    @Override
    public String toString() {
        return request + " -> " + status + (errorCode.isEmpty() ? "" : " " + errorCode);
    }
}
