using Microsoft.Extensions.Logging;

namespace Codex.Auth.Testing;

/// <summary>Settings for a <see cref="FakeCodexServer"/>.</summary>
/// <example>
/// <code>
/// var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z"));
/// await using var server = await FakeCodexServer.StartAsync(new FakeCodexServerOptions
/// {
///     TimeProvider = time,
///     AccessTokenLifetime = TimeSpan.FromMinutes(10),
/// });
/// </code>
/// </example>
public sealed class FakeCodexServerOptions
{
    /// <summary>The client id the Codex CLI uses, and the default for <see cref="ClientId"/>.</summary>
    public const string CodexClientId = "app_EMoamEEZ73f0CkXaXp7hrann";

    /// <summary>
    /// Gets or sets the clock for token <c>iat</c>/<c>exp</c>, expiry checks and recorded timestamps.
    /// Defaults to <see cref="TimeProvider.System"/>; pass a <c>FakeTimeProvider</c> to control time.
    /// </summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Gets or sets the lifetime of minted access tokens (and id tokens). Default: one hour.</summary>
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Gets or sets the OAuth client id the server accepts. Default: <see cref="CodexClientId"/>.</summary>
    public string ClientId { get; set; } = CodexClientId;

    /// <summary>Gets or sets a value indicating whether device-code sign-in is enabled (when not, <c>usercode</c> answers 404). Default: true.</summary>
    public bool DeviceCodeLoginEnabled { get; set; } = true;

    /// <summary>Gets or sets the poll interval the device-code endpoint announces (sent as a JSON string of whole seconds). Default: zero.</summary>
    public TimeSpan DeviceCodeInterval { get; set; } = TimeSpan.Zero;

    /// <summary>Gets or sets how long a device code stays valid. Default: 15 minutes.</summary>
    public TimeSpan DeviceCodeLifetime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// Gets or sets the logger factory for ASP.NET Core's own logs. When <see langword="null"/> (the default)
    /// the server logs nothing, so that many servers in a test run stay quiet.
    /// </summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(TimeProvider);
        ArgumentException.ThrowIfNullOrWhiteSpace(ClientId);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(AccessTokenLifetime, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(DeviceCodeInterval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(DeviceCodeLifetime, TimeSpan.Zero);
    }
}
