package io.changestream.archiver.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.LintResult;
import io.changestream.archiver.config.Setting;
import io.changestream.archiver.deploy.HelmChart.Rendered;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Helm chart: strict lint, and what {@code helm template} renders with defaults and with every option on. */
class HelmChartTest {

    private static Rendered defaults;
    private static Rendered everythingOn;

    @BeforeAll
    static void render() {
        defaults = HelmChart.render();
        everythingOn = HelmChart.render(HelmChart.EVERYTHING_ON);
    }

    @Test
    void lintsStrictlyWithoutWarnings() {
        LintResult result = HelmChart.lintStrict();
        assertThat(result.isFailed()).as("lint failed: %s", result.getMessages()).isFalse();
        assertThat(result.getMessages()).noneMatch(m -> m.contains("[WARNING]") || m.contains("[ERROR]"));
    }

    @Test
    void defaultsRenderTheCoreObjectsAndNoMonitoring() {
        assertThat(defaults.kinds()).containsExactlyInAnyOrder(
                "Deployment", "Service", "ServiceAccount", "PodDisruptionBudget", "ConfigMap");
    }

    @Test
    void everythingOnRendersMonitoringAndTheDashboardToo() {
        assertThat(everythingOn.kinds()).containsExactlyInAnyOrder(
                "Deployment", "Service", "ServiceAccount", "PodDisruptionBudget", "ConfigMap",
                "ServiceMonitor", "PrometheusRule", "ConfigMap", "CronJob", "Job");
        assertThat(everythingOn.get("ServiceAccount", "archiver")).isNotNull();
        assertThat(everythingOn.get("ConfigMap", HelmChart.FULLNAME + "-dashboard")).isNotNull();
    }

    @Test
    void theProductionValuesFileRendersEverythingItTurnsOn() {
        Rendered production = HelmChart.render(HelmChart.PRODUCTION);
        assertThat(production.kinds()).contains("ServiceMonitor", "PrometheusRule");
        assertThat(production.settings()).containsEntry("ARCHIVE_STORE", "adls")
                .doesNotContainKeys("AZURE_STORAGE_ACCOUNT_KEY", "AZURE_STORAGE_SAS_TOKEN");
        assertThat(production.env()).doesNotContainKeys("AZURE_STORAGE_ACCOUNT_KEY", "AZURE_STORAGE_SAS_TOKEN");
        assertThat(Tree.at(production.deployment(), "spec.strategy.type")).isEqualTo("Recreate");
        assertThat(Tree.map(production.deployment(), "spec.template.metadata.labels"))
                .containsEntry("azure.workload.identity/use", "true");
    }

    @Test
    void probesHitTheSpecHealthPathsOnTheHttpPort() {
        for (Rendered rendered : List.of(defaults, everythingOn)) {
            Map<String, Object> container = rendered.container();
            int port = Integer.parseInt(rendered.settings().get("HTTP_PORT"));
            assertThat(Tree.list(container, "ports")).singleElement()
                    .satisfies(p -> assertThat(Tree.map(p)).containsEntry("name", "http").containsEntry("containerPort", port));
            assertThat(Tree.at(container, "livenessProbe.httpGet.path")).isEqualTo("/healthz/live");
            assertThat(Tree.at(container, "livenessProbe.httpGet.port")).isEqualTo("http");
            assertThat(Tree.at(container, "readinessProbe.httpGet.path")).isEqualTo("/healthz/ready");
            assertThat(Tree.at(container, "readinessProbe.httpGet.port")).isEqualTo("http");
            assertThat(Tree.at(container, "startupProbe.httpGet.path")).isEqualTo("/healthz/live");
        }
        assertThat(Tree.list(everythingOn.get("Service"), "spec.ports")).singleElement()
                .satisfies(p -> assertThat(Tree.map(p)).containsEntry("port", 9090).containsEntry("targetPort", "http"));
    }

    @Test
    void podAndContainerRunNonRootReadOnlyWithoutCapabilities() {
        Map<String, Object> pod = Tree.map(defaults.podSpec(), "securityContext");
        assertThat(pod).containsEntry("runAsNonRoot", true).containsEntry("runAsUser", 10001);
        assertThat(Tree.at(pod, "seccompProfile.type")).isEqualTo("RuntimeDefault");

        Map<String, Object> container = Tree.map(defaults.container(), "securityContext");
        assertThat(container)
                .containsEntry("runAsNonRoot", true)
                .containsEntry("runAsUser", 10001)
                .containsEntry("readOnlyRootFilesystem", true)
                .containsEntry("allowPrivilegeEscalation", false);
        assertThat(Tree.list(container, "capabilities.drop")).containsExactly("ALL");
        assertThat(Tree.at(container, "seccompProfile.type")).isEqualTo("RuntimeDefault");
    }

    @Test
    void tmpIsAWritableEmptyDirBecauseTheRootFilesystemIsReadOnly() {
        assertThat(Tree.list(defaults.container(), "volumeMounts"))
                .anySatisfy(m -> assertThat(Tree.map(m)).containsEntry("name", "tmp").containsEntry("mountPath", "/tmp"));
        assertThat(Tree.list(defaults.podSpec(), "volumes"))
                .anySatisfy(v -> assertThat(Tree.at(v, "emptyDir")).isNotNull());
    }

    @Test
    void theLocalArchiveFolderIsAVolumeOnlyForTheLocalStore() {
        assertThat(Tree.list(defaults.container(), "volumeMounts")).anySatisfy(m -> assertThat(Tree.map(m))
                .containsEntry("name", "archive").containsEntry("mountPath", defaults.settings().get("ARCHIVE_LOCAL_DIR")));
        assertThat(Tree.list(everythingOn.container(), "volumeMounts"))
                .noneSatisfy(m -> assertThat(Tree.map(m)).containsEntry("name", "archive"));
        assertThat(everythingOn.settings()).doesNotContainKey("ARCHIVE_LOCAL_DIR");
    }

    @Test
    void resourcesComeFromValues() {
        assertThat(Tree.at(defaults.container(), "resources.requests.memory")).isEqualTo("1Gi");
        assertThat(Tree.at(defaults.container(), "resources.limits.memory")).isEqualTo("1Gi");
        assertThat(Tree.at(defaults.container(), "resources.requests.cpu")).isEqualTo("250m");
        assertThat(Tree.at(everythingOn.container(), "resources.limits.cpu")).isEqualTo("2");
    }

    @Test
    void terminationGraceOutlastsTheShutdownTimeout() {
        for (Rendered rendered : List.of(defaults, everythingOn)) {
            int shutdownTimeout = Integer.parseInt(rendered.settings().get("SHUTDOWN_TIMEOUT_SECONDS"));
            int grace = (Integer) rendered.podSpec().get("terminationGracePeriodSeconds");
            assertThat(grace).isGreaterThan(shutdownTimeout);
        }
        assertThat(defaults.podSpec()).containsEntry("terminationGracePeriodSeconds", 25 + 15);
        assertThat(everythingOn.podSpec()).containsEntry("terminationGracePeriodSeconds", 50 + 20);
    }

    @Test
    void secretsAreOnlyReferencedNeverInlined() {
        Rendered withKey = HelmChart.render(List.of(HelmChart.EVERYTHING_ON), Map.of(
                "archive.adls.sasToken.existingSecret", "",
                "archive.adls.accountKey.existingSecret", "adls-key"));
        for (Rendered rendered : List.of(defaults, everythingOn, withKey)) {
            assertThat(rendered.kinds()).doesNotContain("Secret");
            for (Setting setting : Setting.values()) {
                if (!setting.secret()) {
                    continue;
                }
                assertThat(rendered.settings()).doesNotContainKey(setting.name());
                Map<String, Object> env = rendered.env().get(setting.name());
                if (env != null) {
                    assertThat(env).as(setting.name()).doesNotContainKey("value");
                    assertThat(Tree.map(env, "valueFrom.secretKeyRef")).containsKeys("name", "key");
                }
            }
        }
        assertThat(Tree.map(defaults.env().get("MONGODB_URI"), "valueFrom.secretKeyRef"))
                .containsEntry("name", HelmChart.FULLNAME + "-mongodb").containsEntry("key", "MONGODB_URI");
        assertThat(Tree.map(everythingOn.env().get("MONGODB_URI"), "valueFrom.secretKeyRef"))
                .containsEntry("name", "source-mongodb").containsEntry("key", "uri");
        assertThat(Tree.map(everythingOn.env().get("TRACKER_URI"), "valueFrom.secretKeyRef"))
                .containsEntry("name", "tracker-mongodb");
        assertThat(Tree.map(everythingOn.env().get("AZURE_STORAGE_SAS_TOKEN"), "valueFrom.secretKeyRef"))
                .containsEntry("name", "adls-sas").containsEntry("key", "sas");
        assertThat(everythingOn.env()).doesNotContainKey("AZURE_STORAGE_ACCOUNT_KEY");
        assertThat(Tree.map(withKey.env().get("AZURE_STORAGE_ACCOUNT_KEY"), "valueFrom.secretKeyRef"))
                .containsEntry("name", "adls-key");
        assertThat(withKey.env()).doesNotContainKey("AZURE_STORAGE_SAS_TOKEN");
        assertThat(Tree.map(everythingOn.env().get("ADMIN_TOKEN"), "valueFrom.secretKeyRef"))
                .containsEntry("name", "archiver-admin").containsEntry("key", "token");
        assertThat(defaults.env()).doesNotContainKeys("TRACKER_URI", "ADMIN_TOKEN",
                "AZURE_STORAGE_ACCOUNT_KEY", "AZURE_STORAGE_SAS_TOKEN");
    }

    @Test
    void instanceIdIsThePodName() {
        assertThat(Tree.at(defaults.env().get("INSTANCE_ID"), "valueFrom.fieldRef.fieldPath")).isEqualTo("metadata.name");
    }

    @Test
    void plainSettingsComeFromTheConfigMap() {
        assertThat(Tree.list(defaults.container(), "envFrom")).singleElement()
                .satisfies(e -> assertThat(Tree.at(e, "configMapRef.name")).isEqualTo(HelmChart.FULLNAME));
        assertThat(everythingOn.settings())
                .containsEntry("MONGODB_COLLECTIONS", "orders,customers")
                .containsEntry("BUFFER_MAX_BYTES", "1073741824")
                .containsEntry("FLUSH_SCHEDULE", "0 0/15 * * * ?")
                .containsEntry("AZURE_STORAGE_ENDPOINT", "https://shoparchive.dfs.core.usgovcloudapi.net")
                .containsEntry("HISTORY_LOST_POLICY", "resume-from-now");
        assertThat(Tree.map(everythingOn.deployment(), "spec.template.metadata.annotations"))
                .containsKey("checksum/config");
    }

    @Test
    void withoutLeasesUpdatesRecreateAndWithLeasesTheyRoll() {
        assertThat(Tree.at(defaults.deployment(), "spec.strategy.type")).isEqualTo("Recreate");
        assertThat(Tree.at(defaults.deployment(), "spec.replicas")).isEqualTo(1);
        assertThat(Tree.at(everythingOn.deployment(), "spec.strategy.type")).isEqualTo("RollingUpdate");
        assertThat(Tree.at(everythingOn.deployment(), "spec.strategy.rollingUpdate.maxUnavailable")).isEqualTo(0);
        assertThat(Tree.at(everythingOn.deployment(), "spec.replicas")).isEqualTo(2);
    }

    @Test
    void missingRequiredValuesFailTheRenderingWithAMessageInsteadOfAPodThatExits2() {
        assertThatThrownBy(() -> HelmChart.renderBare(List.of(), Map.of()))
                .hasMessageContaining("mongodb.database (MONGODB_DATABASE) is required");
        assertThatThrownBy(() -> HelmChart.renderBare(List.of(), Map.of("mongodb.database", "shop")))
                .hasMessageContaining("mongodb.collections (MONGODB_COLLECTIONS) is required");
    }

    @Test
    void severalReplicasSpreadOverNodesAndZonesByDefault() {
        Rendered two = HelmChart.render(Map.of("replicaCount", 2, "leases.enabled", true));
        List<Object> constraints = Tree.list(two.podSpec(), "topologySpreadConstraints");
        assertThat(constraints).extracting(c -> Tree.map(c).get("topologyKey"))
                .containsExactly("kubernetes.io/hostname", "topology.kubernetes.io/zone");
        assertThat(constraints).allSatisfy(c -> {
            assertThat(Tree.map(c)).containsEntry("maxSkew", 1).containsEntry("whenUnsatisfiable", "ScheduleAnyway");
            assertThat(Tree.map(c, "labelSelector.matchLabels")).isEqualTo(
                    Tree.map(two.deployment(), "spec.selector.matchLabels"));
        });
        assertThat(defaults.podSpec()).as("one replica").doesNotContainKey("topologySpreadConstraints");
        assertThat(HelmChart.render(Map.of("replicaCount", 2, "leases.enabled", true, "topologySpread.enabled", false))
                .podSpec()).doesNotContainKey("topologySpreadConstraints");
    }

    @Test
    void helmTestAsksTheServiceForReadiness() throws Exception {
        assertThat(Files.readString(HelmChart.DIR.resolve("templates/tests/ready-test.yaml")))
                .contains("helm.sh/hook: test");
        Rendered hooks = HelmChart.renderTestHooks(Map.of());
        Map<String, Object> pod = hooks.get("Pod", HelmChart.FULLNAME + "-test-ready");
        assertThat(HelmChart.renderTestHooks(Map.of("tests.enabled", false)).kinds()).doesNotContain("Pod");
        Map<String, Object> container = Tree.map(Tree.list(pod, "spec.containers").get(0));
        assertThat(String.join(" ", Tree.list(container, "command").stream().map(String::valueOf).toList()))
                .contains("/dev/tcp/" + HelmChart.FULLNAME + "/8080").contains("GET /healthz/ready")
                .contains("grep -q ' 200 '");
        assertThat(container.get("image")).isEqualTo(defaults.container().get("image"));
        assertThat(Tree.at(container, "securityContext.readOnlyRootFilesystem")).isEqualTo(true);
    }

    @Test
    void verifyAndReplayAreOffByDefault() {
        assertThat(defaults.kinds()).doesNotContain("CronJob", "Job");
    }

    @Test
    void theVerifyCronJobRunsVerifyWithTheServicesImageSettingsAndSecrets() {
        Map<String, Object> cron = everythingOn.get("CronJob", HelmChart.FULLNAME + "-verify");
        assertThat(Tree.at(cron, "spec.schedule")).isEqualTo("15 4 * * *");
        assertThat(Tree.at(cron, "spec.concurrencyPolicy")).isEqualTo("Forbid");
        Map<String, Object> pod = Tree.map(Tree.at(cron, "spec.jobTemplate.spec.template.spec"));
        assertOneOffLikeTheService(pod, List.of("verify", "--collections", "orders"));
        assertThat(envNames(pod)).contains("JAVA_TOOL_OPTIONS").doesNotContain("ADMIN_TOKEN", "INSTANCE_ID");
    }

    @Test
    void theReplayJobTakesItsTargetFromASecretAndItsOptionsFromValues() {
        Map<String, Object> job = everythingOn.get("Job", HelmChart.FULLNAME + "-replay");
        Map<String, Object> pod = Tree.map(Tree.at(job, "spec.template.spec"));
        assertOneOffLikeTheService(pod, List.of("replay", "--target-uri=$(REPLAY_TARGET_URI)", "--target-database",
                "restore", "--until", "2026-11-22T10:00:00Z"));
        Map<String, Object> target = env(pod).get("REPLAY_TARGET_URI");
        assertThat(Tree.at(target, "valueFrom.secretKeyRef.name")).isEqualTo("replay-target");
        assertThat(Tree.at(target, "valueFrom.secretKeyRef.key")).isEqualTo("uri");
        assertThat(Tree.at(job, "spec.backoffLimit")).isEqualTo(0);
        assertThatThrownBy(() -> HelmChart.render(List.of(HelmChart.EVERYTHING_ON),
                Map.of("replay.target.existingSecret", "")))
                .hasMessageContaining("replay.target.existingSecret is required");
    }

    @Test
    void oneOffCommandsOnTheLocalStoreNeedSharedStorage() {
        assertThatThrownBy(() -> HelmChart.render(Map.of("verify.enabled", true)))
                .hasMessageContaining("needs archive.local.volume to be shared storage");
        Rendered shared = HelmChart.render(Map.of("verify.enabled", true,
                "archive.local.volume.emptyDir", "null",
                "archive.local.volume.persistentVolumeClaim.claimName", "archive"));
        Map<String, Object> pod = Tree.map(Tree.at(shared.get("CronJob", HelmChart.FULLNAME + "-verify"),
                "spec.jobTemplate.spec.template.spec"));
        assertThat(Tree.list(pod, "volumes")).anySatisfy(v -> assertThat(Tree.at(v,
                "persistentVolumeClaim.claimName")).isEqualTo("archive"));
    }

    private static void assertOneOffLikeTheService(Map<String, Object> pod, List<String> args) {
        Map<String, Object> container = Tree.map(Tree.list(pod, "containers").get(0));
        Map<String, Object> service = everythingOn.container();
        assertThat(Tree.list(container, "args")).containsExactlyElementsOf(args);
        assertThat(container.get("image")).isEqualTo(service.get("image"));
        assertThat(container.get("envFrom")).isEqualTo(service.get("envFrom"));
        assertThat(container.get("securityContext")).isEqualTo(service.get("securityContext"));
        for (String secret : List.of("MONGODB_URI", "TRACKER_URI", "AZURE_STORAGE_SAS_TOKEN")) {
            assertThat(env(pod).get(secret)).as(secret).isEqualTo(everythingOn.env().get(secret));
        }
        assertThat(pod).containsEntry("restartPolicy", "Never")
                .containsEntry("serviceAccountName", everythingOn.podSpec().get("serviceAccountName"));
    }

    private static Map<String, Map<String, Object>> env(Map<String, Object> pod) {
        Map<String, Map<String, Object>> env = new java.util.LinkedHashMap<>();
        for (Object e : Tree.list(Tree.list(pod, "containers").get(0), "env")) {
            env.put((String) Tree.map(e).get("name"), Tree.map(e));
        }
        return env;
    }

    private static List<String> envNames(Map<String, Object> pod) {
        return List.copyOf(env(pod).keySet());
    }

    @Test
    void moreThanOneReplicaWithoutLeasesIsRefused() {
        assertThatThrownBy(() -> HelmChart.render(Map.of("replicaCount", 2)))
                .hasMessageContaining("replicaCount=2 needs leases.enabled=true");
    }

    @Test
    void accountKeyAndSasTogetherAreRefused() {
        assertThatThrownBy(() -> HelmChart.render(List.of(HelmChart.EVERYTHING_ON),
                Map.of("archive.adls.accountKey.existingSecret", "adls-key")))
                .hasMessageContaining("are exclusive");
    }

    @Test
    void adlsWithoutAnAccountNameIsRefused() {
        assertThatThrownBy(() -> HelmChart.render(Map.of("archive.store", "adls")))
                .hasMessageContaining("archive.adls.accountName");
    }

    @Test
    void theSchemaRejectsValuesOutsideTheServicesVocabulary() {
        assertThatThrownBy(() -> HelmChart.render(Map.of("archive.store", "s3")))
                .hasMessageContaining("archive.store");
        assertThatThrownBy(() -> HelmChart.render(Map.of("historyLostPolicy", "ignore")))
                .hasMessageContaining("historyLostPolicy");
        assertThatThrownBy(() -> HelmChart.render(Map.of("flush.maxEvents", "many")))
                .hasMessageContaining("maxEvents");
        assertThatThrownBy(() -> HelmChart.render(Map.of("archive.stor", "adls")))
                .hasMessageContaining("stor");
    }

    @Test
    void theSnapshotAgeAlertsThresholdIsAWholeNumberOfHoursAboveZero() {
        assertThat(HelmChart.render(Map.of("metrics.prometheusRule.snapshotMaxAgeHours", 30)).kinds())
                .contains("Deployment");
        assertThatThrownBy(() -> HelmChart.render(Map.of("metrics.prometheusRule.snapshotMaxAgeHours", 0)))
                .hasMessageContaining("snapshotMaxAgeHours");
        assertThatThrownBy(() -> HelmChart.render(Map.of("metrics.prometheusRule.snapshotMaxAgeHours", "2d")))
                .hasMessageContaining("snapshotMaxAgeHours");
    }

    @Test
    void workloadIdentityAnnotatesTheServiceAccountAndLabelsThePod() {
        Map<String, Object> annotations = Tree.map(everythingOn.get("ServiceAccount", "archiver"), "metadata.annotations");
        assertThat(annotations)
                .containsEntry("azure.workload.identity/client-id", "11111111-2222-3333-4444-555555555555")
                .containsEntry("azure.workload.identity/tenant-id", "66666666-7777-8888-9999-000000000000")
                .containsEntry("example.com/owner", "platform");
        assertThat(Tree.map(everythingOn.deployment(), "spec.template.metadata.labels"))
                .containsEntry("azure.workload.identity/use", "true")
                .containsEntry("example.com/tier", "data");
        assertThat(everythingOn.podSpec()).containsEntry("serviceAccountName", "archiver");
        assertThat(Tree.map(defaults.deployment(), "spec.template.metadata.labels"))
                .doesNotContainKey("azure.workload.identity/use");
        assertThat(Tree.at(defaults.get("ServiceAccount"), "metadata.annotations")).isNull();
    }

    @Test
    void theDisruptionBudgetLetsOnePodGoAtATime() {
        Map<String, Object> pdb = defaults.get("PodDisruptionBudget");
        assertThat(Tree.at(pdb, "spec.maxUnavailable")).isEqualTo(1);
        assertThat(Tree.map(pdb, "spec.selector.matchLabels"))
                .isEqualTo(Tree.map(defaults.deployment(), "spec.selector.matchLabels"));
    }

    @Test
    void theServiceMonitorScrapesMetricsOnTheHttpPort() {
        Map<String, Object> monitor = everythingOn.get("ServiceMonitor");
        assertThat(Tree.map(monitor, "metadata.labels")).containsEntry("release", "kube-prometheus-stack");
        assertThat(Tree.list(monitor, "spec.endpoints")).singleElement().satisfies(e -> assertThat(Tree.map(e))
                .containsEntry("port", "http").containsEntry("path", "/metrics").containsEntry("interval", "15s"));
        assertThat(Tree.map(monitor, "spec.selector.matchLabels"))
                .isEqualTo(Tree.map(everythingOn.get("Service"), "spec.selector"));
    }

    @Test
    void theDashboardConfigMapShipsTheChartsDashboardFile() throws Exception {
        Map<String, Object> dashboard = everythingOn.get("ConfigMap", HelmChart.FULLNAME + "-dashboard");
        assertThat(Tree.map(dashboard, "metadata.labels")).containsEntry("grafana_dashboard", "1");
        assertThat(Tree.map(dashboard, "metadata.annotations")).containsEntry("grafana_folder", "Archiver");
        String shipped = Files.readString(HelmChart.DIR.resolve(Path.of("files", "dashboard.json"))).strip();
        assertThat((String) Tree.map(dashboard, "data").get("changestream-archiver.json")).isEqualTo(shipped);
    }
}
