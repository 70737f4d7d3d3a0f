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

{{/* Combinations the schema cannot express; each fails the install with the reason. */}}
{{- define "archiver.validate" -}}
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
