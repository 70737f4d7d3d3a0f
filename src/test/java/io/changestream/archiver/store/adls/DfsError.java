package io.changestream.archiver.store.adls;

/**
 * A service error: HTTP status, {@code x-ms-error-code} and message, as the real service names them. Thrown by the
 * state and the operations; the router writes it in the body format the real endpoint would use.
 */
final class DfsError extends RuntimeException {
    static final String CONTAINER_NOT_FOUND = "ContainerNotFound";
    static final String CONTAINER_ALREADY_EXISTS = "ContainerAlreadyExists";
    static final String FILESYSTEM_NOT_FOUND = "FilesystemNotFound";
    static final String BLOB_NOT_FOUND = "BlobNotFound";
    static final String PATH_NOT_FOUND = "PathNotFound";
    static final String PATH_ALREADY_EXISTS = "PathAlreadyExists";
    static final String CONDITION_NOT_MET = "ConditionNotMet";
    static final String INVALID_FLUSH_POSITION = "InvalidFlushPosition";
    static final String INVALID_RANGE = "InvalidRange";
    static final String MD5_MISMATCH = "Md5Mismatch";
    static final String INVALID_REQUEST_BODY = "InvalidRequestBodyForFlush";
    static final String SERVER_BUSY = "ServerBusy";
    static final String AUTHENTICATION_FAILED = "AuthenticationFailed";
    static final String NO_AUTHENTICATION_INFORMATION = "NoAuthenticationInformation";
    /** Not a service code: this server does not know the request. Tests assert it never appears. */
    static final String UNSUPPORTED_BY_TEST_SERVER = "UnsupportedByTestServer";

    final int status;
    final String code;

    DfsError(int status, String code, String message) {
        super(message);
        this.status = status;
        this.code = code;
    }

    static DfsError pathNotFound(boolean blobStyle) {
        return blobStyle ? new DfsError(404, BLOB_NOT_FOUND, "The specified blob does not exist.")
                : new DfsError(404, PATH_NOT_FOUND, "The specified path does not exist.");
    }

    static DfsError fileSystemNotFound(boolean blobStyle) {
        return blobStyle ? new DfsError(404, CONTAINER_NOT_FOUND, "The specified container does not exist.")
                : new DfsError(404, FILESYSTEM_NOT_FOUND, "The specified filesystem does not exist.");
    }

    static DfsError conditionNotMet() {
        return new DfsError(412, CONDITION_NOT_MET, "The condition specified using HTTP conditional header(s) is "
                + "not met.");
    }

    static DfsError invalidFlushPosition() {
        return new DfsError(400, INVALID_FLUSH_POSITION, "The uploaded data is not contiguous or the position query "
                + "parameter value is not equal to the length of the file after appending the uploaded data.");
    }

    static DfsError serverBusy() {
        return new DfsError(503, SERVER_BUSY, "The server is currently unable to receive requests. Please retry "
                + "your request.");
    }
}
