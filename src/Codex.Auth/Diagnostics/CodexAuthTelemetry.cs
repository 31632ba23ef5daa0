namespace Codex.Auth.Diagnostics;

/// <summary>
/// The names Codex.Auth publishes telemetry under: one <see cref="System.Diagnostics.Metrics.Meter"/> and one
/// <see cref="System.Diagnostics.ActivitySource"/>, both called <see cref="MeterName"/> (<c>Codex.Auth</c>), plus the
/// instrument, activity and tag names. No tag ever carries a secret; where identity matters a short fingerprint is used.
/// </summary>
/// <remarks>
/// Nothing is measured or traced unless a listener is attached: instruments are checked with <c>Enabled</c> and the
/// activity source with <c>HasListeners()</c>, so the cached-token path pays one field read.
/// </remarks>
/// <example>
/// <code>
/// builder.Services.AddOpenTelemetry()
///     .WithMetrics(m => m.AddMeter(CodexAuthTelemetry.MeterName))
///     .WithTracing(t => t.AddSource(CodexAuthTelemetry.ActivitySourceName));
/// </code>
/// </example>
public static class CodexAuthTelemetry
{
    /// <summary>The name of the meter: <c>Codex.Auth</c>.</summary>
    public const string MeterName = "Codex.Auth";

    /// <summary>The name of the activity source: <c>Codex.Auth</c>.</summary>
    public const string ActivitySourceName = "Codex.Auth";

    /// <summary>Counter of ChatGPT token refreshes, tagged with <see cref="OutcomeTag"/> and <see cref="RefreshReasonTag"/>.</summary>
    public const string RefreshesInstrumentName = "codex.auth.refreshes";

    /// <summary>Counter of HTTP 401 recoveries, tagged with <see cref="OutcomeTag"/> (<c>recovered</c>, <c>not_recovered</c>, <c>failed</c>).</summary>
    public const string RecoveriesInstrumentName = "codex.auth.recoveries";

    /// <summary>Counter of agent task registrations, tagged with <see cref="OutcomeTag"/> (<c>success</c>, <c>failure</c>).</summary>
    public const string TaskRegistrationsInstrumentName = "codex.auth.task_registrations";

    /// <summary>
    /// Counter of failed writes of refreshed ChatGPT tokens to the credential store, tagged with <see cref="FailureReasonTag"/>.
    /// The tokens are served from memory meanwhile and the write is retried; see <c>ChatGptTokenProvider.PendingSaveFailure</c>.
    /// </summary>
    public const string StoreSaveFailuresInstrumentName = "codex.auth.store.save_failures";

    /// <summary>Counter of refreshed ChatGPT tokens that were written to the store after one or more failed writes.</summary>
    public const string StoreSaveRecoveriesInstrumentName = "codex.auth.store.save_recoveries";

    /// <summary>Histogram of the age, in seconds, of the ChatGPT access token when it is applied to a request.</summary>
    public const string TokenAgeInstrumentName = "codex.auth.token.age";

    /// <summary>The activity around one ChatGPT token refresh (lock, re-read, POST, write).</summary>
    public const string RefreshActivityName = "Codex.Auth.Refresh";

    /// <summary>The activity around one agent task registration (all attempts).</summary>
    public const string TaskRegistrationActivityName = "Codex.Auth.RegisterTask";

    /// <summary>The activity around one sign-in flow (device code or browser).</summary>
    public const string SignInActivityName = "Codex.Auth.SignIn";

    /// <summary>Tag: the outcome, for example <c>success</c>, <c>adopted</c>, <c>transient_failure</c>, <c>permanent_failure</c>.</summary>
    public const string OutcomeTag = "codex.auth.outcome";

    /// <summary>Tag: why a refresh ran, <c>proactive_expiry</c> or <c>unauthorized_recovery</c>.</summary>
    public const string RefreshReasonTag = "codex.auth.refresh_reason";

    /// <summary>Tag: the <see cref="CodexAuthFailureReason"/> of a failure.</summary>
    public const string FailureReasonTag = "codex.auth.failure_reason";

    /// <summary>Tag: the fingerprint (8 hex characters of a SHA-256) of the credential concerned.</summary>
    public const string CredentialFingerprintTag = "codex.auth.credential.fingerprint";

    /// <summary>Tag: the agent runtime id of an agent identity.</summary>
    public const string AgentRuntimeIdTag = "codex.auth.agent_runtime_id";

    /// <summary>Tag: the sign-in flow, <c>device_code</c> or <c>browser</c>.</summary>
    public const string SignInFlowTag = "codex.auth.sign_in.flow";

    /// <summary>Tag: the provider a measurement comes from, for example <c>chatgpt</c>.</summary>
    public const string ProviderTag = "codex.auth.provider";
}
