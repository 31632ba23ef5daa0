using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Reflection;

namespace Codex.Auth.Diagnostics;

/// <summary>The process-wide meter, instruments and activity source behind <see cref="CodexAuthTelemetry"/>.</summary>
/// <remarks>Callers check <c>Enabled</c> / <see cref="ActivitySource.HasListeners"/> before building any tag.</remarks>
internal static class Instrumentation
{
    private static readonly string? s_version = typeof(Instrumentation).Assembly
        .GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;

    public static readonly ActivitySource ActivitySource = new(CodexAuthTelemetry.ActivitySourceName, s_version);

    public static readonly Meter Meter = new(CodexAuthTelemetry.MeterName, s_version);

    public static readonly Counter<long> Refreshes = Meter.CreateCounter<long>(
        CodexAuthTelemetry.RefreshesInstrumentName, "{refresh}", "ChatGPT token refreshes, by outcome and reason.");

    public static readonly Counter<long> Recoveries = Meter.CreateCounter<long>(
        CodexAuthTelemetry.RecoveriesInstrumentName, "{recovery}", "Recoveries from HTTP 401, by outcome.");

    public static readonly Counter<long> TaskRegistrations = Meter.CreateCounter<long>(
        CodexAuthTelemetry.TaskRegistrationsInstrumentName, "{registration}", "Agent task registrations, by outcome.");

    public static readonly Counter<long> StoreSaveFailures = Meter.CreateCounter<long>(
        CodexAuthTelemetry.StoreSaveFailuresInstrumentName, "{failure}", "Failed writes of refreshed ChatGPT tokens to the credential store (served from memory, retried).");

    public static readonly Counter<long> StoreSaveRecoveries = Meter.CreateCounter<long>(
        CodexAuthTelemetry.StoreSaveRecoveriesInstrumentName, "{recovery}", "Refreshed ChatGPT tokens written to the store after failed writes.");

    public static readonly Histogram<double> TokenAge = Meter.CreateHistogram<double>(
        CodexAuthTelemetry.TokenAgeInstrumentName, "s", "Age of the access token when it is applied to a request.");

    public static string ToTagValue(this ChatGpt.RefreshReason reason) =>
        reason == ChatGpt.RefreshReason.UnauthorizedRecovery ? "unauthorized_recovery" : "proactive_expiry";

    /// <summary>Starts an activity only when someone listens; otherwise returns <see langword="null"/> without allocating.</summary>
    public static Activity? StartActivity(string name, ActivityKind kind = ActivityKind.Internal) =>
        ActivitySource.HasListeners() ? ActivitySource.StartActivity(name, kind) : null;

    public static void RecordRefresh(string outcome, ChatGpt.RefreshReason reason)
    {
        if (Refreshes.Enabled)
        {
            Refreshes.Add(1, new KeyValuePair<string, object?>(CodexAuthTelemetry.OutcomeTag, outcome), new KeyValuePair<string, object?>(CodexAuthTelemetry.RefreshReasonTag, reason.ToTagValue()));
        }
    }

    public static void RecordRecovery(string outcome)
    {
        if (Recoveries.Enabled)
        {
            Recoveries.Add(1, new KeyValuePair<string, object?>(CodexAuthTelemetry.OutcomeTag, outcome));
        }
    }

    public static void RecordStoreSaveFailure(CodexAuthFailureReason reason)
    {
        if (StoreSaveFailures.Enabled)
        {
            StoreSaveFailures.Add(1, new KeyValuePair<string, object?>(CodexAuthTelemetry.FailureReasonTag, reason.ToString()));
        }
    }

    public static void RecordStoreSaveRecovery()
    {
        if (StoreSaveRecoveries.Enabled)
        {
            StoreSaveRecoveries.Add(1);
        }
    }

    public static void RecordTaskRegistration(string outcome)
    {
        if (TaskRegistrations.Enabled)
        {
            TaskRegistrations.Add(1, new KeyValuePair<string, object?>(CodexAuthTelemetry.OutcomeTag, outcome));
        }
    }

    /// <summary>Marks <paramref name="activity"/> as failed with <paramref name="error"/>'s reason (never its message's secrets: messages carry none).</summary>
    public static void SetFailure(this Activity activity, Exception error)
    {
        activity.SetStatus(ActivityStatusCode.Error, error is CodexAuthException cae ? cae.Reason.ToString() : error.GetType().Name);
        activity.SetTag(CodexAuthTelemetry.FailureReasonTag, error is CodexAuthException c ? c.Reason.ToString() : error.GetType().Name);
        activity.SetTag(CodexAuthTelemetry.OutcomeTag, "failure");
    }
}
