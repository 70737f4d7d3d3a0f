{{/* Chart name, overridable. */}}
{{- define "archiver.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full resource name: "<release>-<chart>", or "<release>" when it already contains the chart name. */}}
{{- define "archiver.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "archiver.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels that select this release's pods; never change them on upgrade (Deployment selectors are immutable). */}}
{{- define "archiver.selectorLabels" -}}
app.kubernetes.io/name: {{ include "archiver.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "archiver.labels" -}}
helm.sh/chart: {{ include "archiver.chart" . }}
{{ include "archiver.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/component: archiver
{{- end }}

{{- define "archiver.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "archiver.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "archiver.mongodbSecretName" -}}
{{- default (printf "%s-mongodb" (include "archiver.fullname" .)) .Values.mongodb.existingSecret }}
{{- end }}

{{- define "archiver.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}

{{/*
Label matchers that pick this release's archiver series in Prometheus: the ServiceMonitor scrapes the Service,
whose name becomes the job label.
*/}}
{{- define "archiver.promSelector" -}}
namespace="{{ .Release.Namespace }}", job="{{ include "archiver.fullname" . }}"
{{- end }}

{{/*
The secrets every container of the chart reads (the service, verify, replay), by reference only: the source
and tracker connection strings and the ADLS credential.
*/}}
{{- define "archiver.secretEnv" -}}
- name: MONGODB_URI
  valueFrom:
    secretKeyRef:
      name: {{ include "archiver.mongodbSecretName" . }}
      key: {{ .Values.mongodb.uriKey }}
{{- with .Values.tracker.existingSecret }}
- name: TRACKER_URI
  valueFrom:
    secretKeyRef:
      name: {{ . }}
      key: {{ $.Values.tracker.uriKey }}
{{- end }}
{{- if eq .Values.archive.store "adls" }}
{{- with .Values.archive.adls.accountKey.existingSecret }}
- name: AZURE_STORAGE_ACCOUNT_KEY
  valueFrom:
    secretKeyRef:
      name: {{ . }}
      key: {{ $.Values.archive.adls.accountKey.key }}
{{- end }}
{{- with .Values.archive.adls.sasToken.existingSecret }}
- name: AZURE_STORAGE_SAS_TOKEN
  valueFrom:
    secretKeyRef:
      name: {{ . }}
      key: {{ $.Values.archive.adls.sasToken.key }}
{{- end }}
{{- end }}
{{- end }}

{{/*
The pod spec parts a one-off command (verify CronJob, replay Job) shares with the service's pods: service
account, pull secrets, security, scheduling, and the archive volume for the local store. $ is the root context.
*/}}
{{- define "archiver.oneOffPodSpec" -}}
serviceAccountName: {{ include "archiver.serviceAccountName" . }}
automountServiceAccountToken: {{ .Values.serviceAccount.automountServiceAccountToken }}
restartPolicy: Never
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
volumes:
  - name: tmp
    emptyDir:
      sizeLimit: {{ .Values.tmpSizeLimit }}
  {{- if eq .Values.archive.store "local" }}
  - name: archive
    {{- toYaml .Values.archive.local.volume | nindent 4 }}
  {{- end }}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/* The container parts a one-off command shares with the service: image, settings, secrets, mounts. */}}
{{- define "archiver.oneOffContainer" -}}
image: {{ include "archiver.image" . | quote }}
imagePullPolicy: {{ .Values.image.pullPolicy }}
envFrom:
  - configMapRef:
      name: {{ include "archiver.fullname" . }}
securityContext:
  {{- toYaml .Values.containerSecurityContext | nindent 2 }}
volumeMounts:
  - name: tmp
    mountPath: /tmp
  {{- if eq .Values.archive.store "local" }}
  - name: archive
    mountPath: {{ .Values.archive.local.dir }}
  {{- end }}
{{- end }}

{{/*
A one-off command runs in a pod of its own: with the local store it sees the service's archive only through a
shared volume (a PersistentVolumeClaim), never through an emptyDir. Called with (dict "root" . "what" "<switch>").
*/}}
{{- define "archiver.validateOneOff" -}}
{{- $v := .root.Values }}
{{- include "archiver.validate" .root }}
{{- if and (eq $v.archive.store "local") (hasKey $v.archive.local.volume "emptyDir") }}
{{- fail (printf "%s with archive.store=local needs archive.local.volume to be shared storage (a persistentVolumeClaim): an emptyDir is the pod's own, so the command would see an empty archive" .what) }}
{{- end }}
{{- end }}

{{/* Combinations the schema cannot express; each fails the install with the reason. */}}
{{- define "archiver.validate" -}}
{{- if not .Values.mongodb.database }}
{{- fail "mongodb.database (MONGODB_DATABASE) is required: the database whose collections are archived" }}
{{- end }}
{{- if not .Values.mongodb.collections }}
{{- fail "mongodb.collections (MONGODB_COLLECTIONS) is required: the list of collections to archive, e.g. --set 'mongodb.collections={orders,customers}'" }}
{{- end }}
{{- $rule := .Values.metrics.prometheusRule }}
{{- if and $rule.enabled (not (regexMatch "^https?://" $rule.runbookUrl)) }}
{{- fail (printf "metrics.prometheusRule.runbookUrl must be the absolute URL where docs/operations.md is served (e.g. https://git.example.com/team/changestream-archiver/blob/main/docs/operations.md), got %q: alerts are read in Alertmanager, where a relative link leads nowhere" $rule.runbookUrl) }}
{{- end }}
{{- if and (gt (int .Values.replicaCount) 1) (not .Values.leases.enabled) }}
{{- fail (printf "replicaCount=%v needs leases.enabled=true: without collection leases two pods would archive the same collections" .Values.replicaCount) }}
{{- end }}
{{- if and .Values.archive.adls.accountKey.existingSecret .Values.archive.adls.sasToken.existingSecret }}
{{- fail "archive.adls.accountKey.existingSecret and archive.adls.sasToken.existingSecret are exclusive: set at most one (neither: DefaultAzureCredential)" }}
{{- end }}
{{- if and (eq .Values.archive.store "adls") (not .Values.archive.adls.accountName) }}
{{- fail "archive.adls.accountName (AZURE_STORAGE_ACCOUNT_NAME) is required when archive.store is adls" }}
{{- end }}
{{- $wi := .Values.serviceAccount.azureWorkloadIdentity }}
{{- if and $wi.enabled .Values.serviceAccount.create (not $wi.clientId) }}
{{- fail "serviceAccount.azureWorkloadIdentity.clientId is required when the chart creates the ServiceAccount with workload identity enabled" }}
{{- end }}
{{- end }}
