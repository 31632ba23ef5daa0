using Codex.Auth.Backchannel;
using Codex.Auth.ChatGpt;
using Codex.Auth.Configuration;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Codex.Auth.Diagnostics;
using Codex.Auth.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Codex.Auth.SignIn;

/// <summary>
/// Signs in to Codex as the Codex CLI does (PROTOCOL §8) and signs out (§4): the device-code flow, the browser
/// PKCE flow, API keys, personal access tokens, and logout with best-effort revocation. Results are saved through
/// an <see cref="ICodexCredentialStore"/>, so a sign-in here is seen by the Codex CLI and vice versa.
/// </summary>
/// <remarks>
/// <para>
/// Every flow is asynchronous and cancellable; waiting for the user never blocks a thread (the device flow awaits
/// <see cref="Task.Delay(TimeSpan, TimeProvider, CancellationToken)"/> between polls). Progress a person must see —
/// the user code, the verification page, the URL to open — is reported through <see cref="IProgress{T}"/>; no token,
/// authorization code or verifier ever appears in progress, results, exception messages or <c>ToString</c>.
/// </para>
/// <para>
/// Before saving new credentials the stored ones are revoked (best effort) and removed, as Codex does, while the
/// store's refresh lock is held so that a concurrent refresh cannot write the old account back.
/// </para>
/// </remarks>
/// <example>
/// <code>
/// using var signIn = new CodexSignIn(FileCredentialStore.FromEnvironment(), SignInOptions.FromEnvironment());
/// var progress = new Progress&lt;SignInProgress&gt;(p =>
/// {
///     if (p.Kind == SignInProgressKind.DeviceCodeIssued)
///         Console.WriteLine($"Open {p.VerificationUri} and enter {p.UserCode}");
/// });
/// SignInResult result = await signIn.SignInWithDeviceCodeAsync(progress, cancellationToken);
/// </code>
/// </example>
public sealed class CodexSignIn : IDisposable
{
    private const string Scope = "openid profile email offline_access api.connectors.read api.connectors.invoke";

    private readonly ICodexCredentialStore _store;
    private readonly SignInOptions _options;
    private readonly SignInHttp _issuer;
    private readonly ILogger _logger;

    /// <summary>Creates a sign-in client.</summary>
    /// <param name="store">Where credentials are read, removed and saved.</param>
    /// <param name="options">The options; <see langword="null"/> for <see cref="SignInOptions.FromEnvironment"/>.</param>
    /// <param name="logger">A logger; nothing it receives contains a token, code or verifier.</param>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">An option is out of range; each failure names the option (the same message <c>ValidateOnStart</c> gives).</exception>
    public CodexSignIn(ICodexCredentialStore store, SignInOptions? options = null, ILogger<CodexSignIn>? logger = null)
        : this(store, options, null, logger)
    {
    }

    /// <summary>Creates a sign-in client whose issuer calls use the context's back-channel clients (unless <see cref="SignInOptions.HttpClient"/> is set) and loggers.</summary>
    /// <param name="store">Where credentials are read, removed and saved.</param>
    /// <param name="options">The options; <see langword="null"/> for <see cref="SignInOptions.FromEnvironment"/> of the context's environment.</param>
    /// <param name="context">The environment, loggers and back-channel clients. The clock is <see cref="SignInOptions.TimeProvider"/>.</param>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">An option is out of range; each failure names the option (the same message <c>ValidateOnStart</c> gives).</exception>
    public CodexSignIn(ICodexCredentialStore store, SignInOptions? options, CodexProviderContext context)
        : this(store, options ?? SignInOptions.FromEnvironment((context ?? throw new ArgumentNullException(nameof(context))).Environment), context, null)
    {
    }

    private CodexSignIn(ICodexCredentialStore store, SignInOptions? options, CodexProviderContext? context, ILogger? logger)
    {
        ArgumentNullException.ThrowIfNull(store);
        _logger = logger ?? context?.CreateLogger<CodexSignIn>() ?? NullLogger.Instance;
        options ??= SignInOptions.FromEnvironment();
        Internal.OptionsChecks.ThrowIfInvalid(SignInOptionsValidator.Instance, options);
        options.RequireSecureEndpoints();
        _store = store;
        _options = options;
        IHttpClientFactory clients = options.HttpClient is { } http
            ? new FixedHttpClientFactory(http)
            : context?.HttpClientFactory ?? CodexBackchannel.DefaultHttpClientFactory;
        _issuer = new SignInHttp(new BackchannelClient(clients, options.TimeProvider, BackchannelPolicy.Default), options);
    }

    /// <summary>Gets the store's location (a path, or "memory").</summary>
    public string Location => _store.Location;

    /// <summary>
    /// Signs in with a device code: requests a code, reports it (<see cref="SignInProgressKind.DeviceCodeIssued"/>),
    /// polls until the user approves it at <c>{issuer}/codex/device</c>, exchanges the code and saves the tokens.
    /// </summary>
    /// <param name="progress">Receives the user code and each poll; may be <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the flow; nothing is saved.</param>
    /// <returns>Who signed in.</returns>
    /// <exception cref="CodexAuthException"><see cref="CodexAuthFailureReason.SignInFailed"/>: device login is not enabled, the code expired (15 minutes), or the server refused.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public Task<SignInResult> SignInWithDeviceCodeAsync(IProgress<SignInProgress>? progress = null, CancellationToken cancellationToken = default) =>
        TraceAsync("device_code", progress, static (self, p, ct) => self.DeviceCodeFlowAsync(p, ct), cancellationToken);

    private async Task<SignInResult> DeviceCodeFlowAsync(IProgress<SignInProgress>? progress, CancellationToken cancellationToken)
    {
        LoginRestrictions.EnsureChatGptAllowed(_options.ForcedLoginMethod);
        TimeProvider time = _options.TimeProvider;
        DeviceCode code = await _issuer.RequestDeviceCodeAsync(cancellationToken).ConfigureAwait(false);
        DateTimeOffset deadline = time.GetUtcNow() + _options.DeviceCodeLifetime;
        TimeSpan interval = code.Interval < MinimumPollInterval ? MinimumPollInterval : code.Interval;
        Log.DeviceCodeIssued(_logger, interval);
        progress?.Report(new SignInProgress(SignInProgressKind.DeviceCodeIssued)
        {
            UserCode = code.UserCode,
            VerificationUri = _options.DeviceVerificationUrl,
            ExpiresAt = deadline,
            PollInterval = interval,
        });

        int polls = 0;
        DeviceApproval? approval;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            approval = await _issuer.PollDeviceCodeAsync(code, cancellationToken).ConfigureAwait(false);
            polls++;
            if (approval is not null)
            {
                break;
            }

            TimeSpan remaining = deadline - time.GetUtcNow();
            if (remaining <= TimeSpan.Zero)
            {
                throw SignInHttp.Failed(
                    $"The device code expired after {_options.DeviceCodeLifetime.TotalMinutes:0.#} minutes without being approved.",
                    "Run the sign-in again and enter the code promptly.");
            }

            progress?.Report(new SignInProgress(SignInProgressKind.DeviceCodePending)
            {
                UserCode = code.UserCode,
                VerificationUri = _options.DeviceVerificationUrl,
                ExpiresAt = deadline,
                PollCount = polls,
                PollInterval = interval,
            });
            await Task.Delay(remaining < interval ? remaining : interval, time, cancellationToken).ConfigureAwait(false);
        }

        progress?.Report(new SignInProgress(SignInProgressKind.ExchangingCode) { PollCount = polls });
        TokenSet tokens = await _issuer.ExchangeCodeAsync(approval.AuthorizationCode, approval.CodeVerifier, _options.DeviceRedirectUrl, cancellationToken).ConfigureAwait(false);
        SignInResult result = await SaveTokensAsync(tokens, cancellationToken).ConfigureAwait(false);
        progress?.Report(new SignInProgress(SignInProgressKind.Completed));
        return result;
    }

    /// <summary>
    /// Signs in through a browser with PKCE: starts a local callback server on 127.0.0.1 (port 1455, fallback 1457),
    /// reports the URL to open (<see cref="SignInProgressKind.AuthorizationUrlReady"/>), waits for the browser to come
    /// back to <c>http://localhost:{port}/auth/callback</c>, checks <c>state</c>, exchanges the code and saves the tokens.
    /// </summary>
    /// <param name="progress">Receives the authorization URL; may be <see langword="null"/> (then nobody can open it).</param>
    /// <param name="cancellationToken">Cancels the wait; there is no other time limit.</param>
    /// <returns>Who signed in.</returns>
    /// <exception cref="CodexAuthException"><see cref="CodexAuthFailureReason.SignInFailed"/>: the ports are taken, the state did not match, the user declined, or the exchange failed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public Task<SignInResult> SignInWithBrowserAsync(IProgress<SignInProgress>? progress = null, CancellationToken cancellationToken = default) =>
        TraceAsync("browser", progress, static (self, p, ct) => self.BrowserFlowAsync(p, ct), cancellationToken);

    private async Task<SignInResult> BrowserFlowAsync(IProgress<SignInProgress>? progress, CancellationToken cancellationToken)
    {
        LoginRestrictions.EnsureChatGptAllowed(_options.ForcedLoginMethod);
        LoopbackCallbackServer server = LoopbackCallbackServer.Start(_options.CallbackPort, _options.FallbackCallbackPort);
        await using (server.ConfigureAwait(false))
        {
            return await RunBrowserFlowAsync(server, progress, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<SignInResult> RunBrowserFlowAsync(LoopbackCallbackServer server, IProgress<SignInProgress>? progress, CancellationToken cancellationToken)
    {
        string verifier = Pkce.CreateVerifier();
        string state = Pkce.CreateState();
        Uri redirect = server.RedirectUri;
        Uri authorize = BuildAuthorizeUrl(redirect, Pkce.ChallengeOf(verifier), state);
        progress?.Report(new SignInProgress(SignInProgressKind.AuthorizationUrlReady) { AuthorizationUri = authorize, RedirectUri = redirect });

        CallbackRequest callback = await server.WaitForCallbackAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!StateMatches(callback.Get("state"), state))
            {
                await callback.RespondAsync(400, "Sign-in failed: the state parameter did not match this sign-in. Start the sign-in again from the terminal.").ConfigureAwait(false);
                throw SignInHttp.Failed(
                    "The browser callback's state did not match this sign-in, so it was rejected (it may come from another sign-in or a forged link).",
                    "Run the sign-in again and complete it in the browser window it opens.");
            }

            if (callback.Get("error") is { } error)
            {
                string safe = error.Length <= 64 && error.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-') ? error : "error";
                await callback.RespondAsync(400, $"Sign-in failed ({safe}). You can close this window.").ConfigureAwait(false);
                throw SignInHttp.Failed($"The sign-in was not completed in the browser ({safe}).", "Run the sign-in again.");
            }

            if (callback.Get("code") is not { Length: > 0 } code)
            {
                await callback.RespondAsync(400, "Sign-in failed: no authorization code was received.").ConfigureAwait(false);
                throw SignInHttp.Failed("The browser callback carried no authorization code.", "Run the sign-in again.");
            }

            progress?.Report(new SignInProgress(SignInProgressKind.ExchangingCode) { RedirectUri = redirect });
            TokenSet tokens = await _issuer.ExchangeCodeAsync(code, verifier, redirect, cancellationToken).ConfigureAwait(false);
            SignInResult result = await SaveTokensAsync(tokens, cancellationToken).ConfigureAwait(false);
            await callback.RespondAsync(200, "Signed in to Codex. You can close this window and return to the terminal.").ConfigureAwait(false);
            progress?.Report(new SignInProgress(SignInProgressKind.Completed));
            return result;
        }
        catch
        {
            await callback.RespondAsync(400, "Sign-in failed. Return to the terminal for details.").ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Saves an OpenAI API key (<c>{"auth_mode":"apikey","OPENAI_API_KEY":"…"}</c>), replacing the stored credentials.</summary>
    /// <param name="apiKey">The key; surrounding whitespace is removed.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The result.</returns>
    /// <exception cref="ArgumentException">The key is blank or contains whitespace or control characters.</exception>
    public Task<SignInResult> SaveApiKeyAsync(string apiKey, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(apiKey);
        string key = apiKey.Trim();
        EnsureHeaderSafe(key, nameof(apiKey));
        LoginRestrictions.EnsureApiKeyAllowed(_options.ForcedLoginMethod);
        return ReplaceAsync(CodexAuthDocument.CreateApiKey(key), null, null, cancellationToken);
    }

    /// <summary>
    /// Saves a personal access token (<c>at-…</c>) as
    /// <c>{"auth_mode":"personalAccessToken","OPENAI_API_KEY":null,"personal_access_token":"at-…"}</c>, replacing the stored credentials.
    /// </summary>
    /// <param name="token">The token; it must start with <c>at-</c>.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The result.</returns>
    /// <exception cref="ArgumentException">The token is blank, does not start with <c>at-</c>, or contains whitespace.</exception>
    public Task<SignInResult> SavePersonalAccessTokenAsync(string token, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(token);
        string value = token.Trim();
        if (!value.StartsWith("at-", StringComparison.Ordinal))
        {
            throw new ArgumentException("A personal access token starts with 'at-'.", nameof(token));
        }

        EnsureHeaderSafe(value, nameof(token));
        LoginRestrictions.EnsureChatGptAllowed(_options.ForcedLoginMethod); // a personal access token is a ChatGPT credential
        return ReplaceAsync(CodexAuthDocument.CreatePersonalAccessToken(value), null, null, cancellationToken);
    }

    /// <summary>
    /// Signs out: revokes the stored refresh token at <c>{issuer}/oauth/revoke</c> (best effort), then removes the
    /// stored credentials even when the revocation failed.
    /// </summary>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>Whether anything was removed and whether the revocation succeeded.</returns>
    public async Task<LogoutResult> LogoutAsync(CancellationToken cancellationToken = default)
    {
        IAsyncDisposable held = await _store.AcquireRefreshLockAsync(cancellationToken).ConfigureAwait(false);
        await using (held.ConfigureAwait(false))
        {
            (RevokeOutcome outcome, bool removed) = await RemoveStoredAsync(cancellationToken).ConfigureAwait(false);
            if (_logger.IsEnabled(LogLevel.Information))
            {
                Log.SignedOut(_logger, _store.Location, outcome.ToString());
            }

            return new LogoutResult(removed, outcome, _store.Location);
        }
    }

    /// <summary>Describes the stored credentials, or returns <see langword="null"/> when none are stored.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The status.</returns>
    /// <exception cref="CodexAuthException">The store is malformed or unreadable.</exception>
    public async Task<SignInStatus?> GetStatusAsync(CancellationToken cancellationToken = default)
    {
        CodexAuthDocument? document = await _store.LoadAsync(cancellationToken).ConfigureAwait(false);
        return document is null ? null : SignInStatus.FromDocument(document, _store.Location);
    }

    /// <summary>Releases nothing today (back-channel clients are pooled by their factory); kept so that callers dispose it uniformly.</summary>
    public void Dispose()
    {
    }

    private static TimeSpan MinimumPollInterval => TimeSpan.FromMilliseconds(250);

    private async Task<SignInResult> TraceAsync(
        string flow,
        IProgress<SignInProgress>? progress,
        Func<CodexSignIn, IProgress<SignInProgress>?, CancellationToken, Task<SignInResult>> run,
        CancellationToken cancellationToken)
    {
        using Activity? activity = Instrumentation.StartActivity(CodexAuthTelemetry.SignInActivityName);
        activity?.SetTag(CodexAuthTelemetry.SignInFlowTag, flow);
        try
        {
            SignInResult result = await run(this, progress, cancellationToken).ConfigureAwait(false);
            activity?.SetTag(CodexAuthTelemetry.OutcomeTag, "success");
            Log.SignedIn(_logger, flow, result.AccountId, result.Location);
            return result;
        }
        catch (Exception ex)
        {
            activity?.SetFailure(ex);
            if (_logger.IsEnabled(LogLevel.Warning))
            {
                Log.SignInFailed(_logger, flow, ex is CodexAuthException cae ? cae.Reason.ToString() : ex.GetType().Name);
            }

            throw;
        }
    }

    private Uri BuildAuthorizeUrl(Uri redirect, string challenge, string state)
    {
        var query = new StringBuilder();
        Append("response_type", "code");
        Append("client_id", _options.ClientId);
        Append("redirect_uri", redirect.OriginalString);
        Append("scope", Scope);
        Append("code_challenge", challenge);
        Append("code_challenge_method", "S256");
        Append("id_token_add_organizations", "true");
        Append("codex_cli_simplified_flow", "true");
        Append("state", state);
        Append("originator", _options.Originator);
        if (_options.ForcedChatGptWorkspaceId is { Length: > 0 } workspace)
        {
            Append("allowed_workspace_id", workspace);
        }

        return new Uri(_options.AuthorizeUrl.AbsoluteUri + "?" + query);

        void Append(string name, string value)
        {
            if (query.Length > 0)
            {
                query.Append('&');
            }

            query.Append(name).Append('=').Append(Uri.EscapeDataString(value));
        }
    }

    private static bool StateMatches(string? received, string expected) =>
        received is not null
        && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(received), Encoding.UTF8.GetBytes(expected));

    private static void EnsureHeaderSafe(string value, string parameter)
    {
        if (value.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c > '\u007e'))
        {
            throw new ArgumentException("The value contains whitespace or characters that cannot be sent in a header.", parameter);
        }
    }

    private Task<SignInResult> SaveTokensAsync(TokenSet tokens, CancellationToken cancellationToken)
    {
        ChatGptIdentity claims;
        try
        {
            claims = ChatGptTokenClaims.ReadIdentity(tokens.IdToken);
        }
        catch (CodexAuthException)
        {
            throw SignInHttp.Failed("The id token returned by the sign-in server is not a well-formed JWT.", "Try signing in again.");
        }

        LoginRestrictions.EnsureWorkspaceAllowed(_options.ForcedChatGptWorkspaceId, claims.AccountId);
        CodexAuthDocument document = CodexAuthDocument.CreateChatGpt(
            tokens.IdToken,
            tokens.AccessToken,
            tokens.RefreshToken,
            accountId: claims.AccountId,
            lastRefresh: _options.TimeProvider.GetUtcNow());
        return ReplaceAsync(document, claims.Email, claims.PlanType, cancellationToken);
    }

    private async Task<SignInResult> ReplaceAsync(CodexAuthDocument document, string? email, string? planType, CancellationToken cancellationToken)
    {
        IAsyncDisposable held = await _store.AcquireRefreshLockAsync(cancellationToken).ConfigureAwait(false);
        await using (held.ConfigureAwait(false))
        {
            (RevokeOutcome previous, _) = await RemoveStoredAsync(cancellationToken).ConfigureAwait(false);
            await _store.SaveAsync(document, CancellationToken.None).ConfigureAwait(false);
            return new SignInResult(document.Mode, document.AccountId, email, planType, _store.Location, previous);
        }
    }

    private async Task<(RevokeOutcome Outcome, bool Removed)> RemoveStoredAsync(CancellationToken cancellationToken)
    {
        CodexAuthDocument? existing;
        try
        {
            existing = await _store.LoadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (CodexAuthException ex) when (ex.Reason == CodexAuthFailureReason.MalformedStore)
        {
            existing = null; // Nothing we can revoke; the file is still removed.
        }

        RevokeOutcome outcome = RevokeOutcome.NotNeeded;
        if (existing?.Tokens?.RefreshToken is { Length: > 0 } refreshToken)
        {
            outcome = await _issuer.RevokeAsync(refreshToken, cancellationToken).ConfigureAwait(false) ? RevokeOutcome.Revoked : RevokeOutcome.Failed;
        }

        bool removed = await _store.DeleteAsync(CancellationToken.None).ConfigureAwait(false);
        return (outcome, removed);
    }
}
