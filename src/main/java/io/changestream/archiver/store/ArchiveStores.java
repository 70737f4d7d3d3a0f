package io.changestream.archiver.store;

import io.changestream.archiver.config.ArchiverConfig;

/** Opens the configured {@link ArchiveStore}: the local folder or ADLS Gen2. */
public final class ArchiveStores {
    private ArchiveStores() {
    }

    /**
     * The store of {@code ARCHIVE_STORE}. Contacts nothing: a store that is down at startup is the writer's to
     * retry, not a reason to exit. {@code ARCHIVE_PREFIX} is not applied here; archive paths already carry it
     * ({@link io.changestream.archiver.encode.ArchiveLayout}).
     */
    public static ArchiveStore open(ArchiverConfig.Store store) {
        return switch (store.kind()) {
            case LOCAL -> new LocalArchiveStore(store.localDir());
            case ADLS -> AdlsArchiveStore.open(
                    store.azure().orElseThrow(() -> new IllegalArgumentException(
                            "ARCHIVE_STORE=adls needs AZURE_STORAGE_ACCOUNT_NAME and the other Azure settings")),
                    AdlsRetrySettings.of(store.retryAttempts(), store.retryDelay()));
        };
    }
}
