using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Codex.Auth.Testing.Internal;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Codex.Auth.Testing;

/// <summary>
/// An in-process fake of the OpenAI auth server (<c>auth.openai.com</c>) and of the Codex/ChatGPT backend
/// (<c>chatgpt.com/backend-api</c>), served by Kestrel on <c>127.0.0.1</c> with an ephemeral port.
/// It mints real (RS256-signed) JWTs, rotates single-use refresh tokens, checks credentials on every backend
/// call, runs the browser (PKCE) and device-code sign-in flows, records every request and can be scripted to fail.
/// </summary>
/// <remarks>
/// The server is an independent implementation of the wire contract and does not use the Codex.Auth library.
/// Each account has one live session: a sign-in, refresh or code exchange replaces the account's token set,
/// and the previous access token stops working on the backend.
/// </remarks>
/// <example>
/// <code>
/// await using var server = await FakeCodexServer.StartAsync();
/// FakeSignIn signIn = server.SignIn(accountId: "acct_1");
/// using var http = new HttpClient();
/// using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(server.CodexBaseUrl + "/models"));
/// request.Headers.Authorization = new("Bearer", signIn.AccessToken);
/// request.Headers.Add("ChatGPT-Account-ID", signIn.AccountId);
/// using HttpResponseMessage response = await http.SendAsync(request); // 200
/// </code>
/// </example>
public sealed partial class FakeCodexServer : IAsyncDisposable
{
    private const string AuthClaim = "https://api.openai.com/auth";
    private const string ProfileClaim = "https://api.openai.com/profile";

    private readonly FakeCodexServerOptions _options;
    private readonly TimeProvider _time;
    private readonly JwtSigner _signer = new();
    private readonly Lock _lock = new();
    private readonly Dictionary<string, FakeSignIn> _sessions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RefreshTokenState> _refreshTokens = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _accessTokens = new(StringComparer.Ordinal);
    private readonly HashSet<string> _apiKeys = new(StringComparer.Ordinal);
    private readonly List<RecordedRequest> _requests = [];
    private readonly List<string> _refreshReasons = [];
    private readonly List<string> _revokedTokens = [];
    private readonly Dictionary<string, AccountRouting> _routing = new(StringComparer.Ordinal);
    private WebApplication? _app;
    private int _routedPort;
    private FakeAccount? _lastSignInAccount;
    private int _disposed;

    private FakeCodexServer(FakeCodexServerOptions options)
    {
        _options = options;
        _time = options.TimeProvider;
    }

    /// <summary>Gets the server's root, <c>http://127.0.0.1:PORT/</c>.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>
    /// Gets the OAuth issuer (stands in for <c>https://auth.openai.com</c>). It is the same origin as
    /// <see cref="BaseAddress"/>; <see cref="Uri"/> always prints it with a trailing <c>/</c>, so use
    /// <see cref="IssuerString"/> where the issuer is concatenated as <c>{issuer}/path</c>.
    /// </summary>
    public Uri Issuer => BaseAddress;

    /// <summary>Gets the issuer as text without a trailing slash, for example <c>http://127.0.0.1:5123</c>.</summary>
    public string IssuerString => BaseAddress.GetLeftPart(UriPartial.Authority);

    /// <summary>Gets the refresh and code-exchange endpoint, <c>{issuer}/oauth/token</c>.</summary>
    public Uri TokenEndpoint => new(BaseAddress, "oauth/token");

    /// <summary>Gets the revocation endpoint, <c>{issuer}/oauth/revoke</c>.</summary>
    public Uri RevokeEndpoint => new(BaseAddress, "oauth/revoke");

    /// <summary>Gets the browser sign-in endpoint, <c>{issuer}/oauth/authorize</c>.</summary>
    public Uri AuthorizeEndpoint => new(BaseAddress, "oauth/authorize");

    /// <summary>Gets the ChatGPT backend base URL (stands in for <c>https://chatgpt.com/backend-api/</c>, trailing slash included).</summary>
    public Uri ChatGptBaseUrl => new(BaseAddress, "backend-api/");

    /// <summary>Gets the Codex backend base URL (stands in for <c>https://chatgpt.com/backend-api/codex</c>, no trailing slash).</summary>
    public Uri CodexBaseUrl => new(BaseAddress, "backend-api/codex");

    /// <summary>Gets the OpenAI API base URL (stands in for <c>https://api.openai.com/v1</c>), which accepts keys added with <see cref="AddApiKey"/>.</summary>
    public Uri ApiBaseUrl => new(BaseAddress, "v1");

    /// <summary>
    /// Gets the root of the server's second, <em>routed</em> backend origin, <c>http://127.0.0.1:PORT2/</c> (stands in for the
    /// workspace backend origin of a residency-constrained workspace, PROTOCOL §9). It serves only model calls
    /// (<c>/backend-api/codex/**</c>) of accounts routed with <see cref="RouteAccount"/> (whatever origin discovery announces for
    /// them, so that a test may put a TLS front in between), and only with the matching
    /// <c>x-openai-account-routing-override</c>; everything else answers 404 <c>not_on_this_origin</c>.
    /// </summary>
    public Uri RoutedBaseAddress { get; private set; } = null!;

    /// <summary>Gets the routed origin as discovery names it, without a trailing slash, for example <c>http://127.0.0.1:5124</c>.</summary>
    public string RoutedOrigin => RoutedBaseAddress.GetLeftPart(UriPartial.Authority);

    /// <summary>
    /// Gets or sets how the discovery endpoint (<c>GET /backend-api/wham/accounts/check</c>) lays out its accounts. Default
    /// <see cref="FakeDiscoveryFormat.List"/>.
    /// </summary>
    public FakeDiscoveryFormat DiscoveryFormat { get; set; }

    /// <summary>
    /// Gets or sets a body the discovery endpoint answers verbatim (HTTP 200, <c>application/json</c>) to every authenticated caller,
    /// for tests of malformed or incomplete answers; <see langword="null"/> (the default) answers from the routing table.
    /// </summary>
    public string? ScriptedDiscoveryAnswer { get; set; }

    /// <summary>Gets the OAuth client id the server accepts.</summary>
    public string ClientId => _options.ClientId;

    /// <summary>Gets the scripted faults of <c>POST /oauth/token</c>.</summary>
    public FakeTokenEndpointFaults TokenFaults { get; } = new();

    /// <summary>Gets the scripted faults of the backends (<c>/backend-api/**</c> and <c>/v1/**</c>).</summary>
    public FakeBackendFaults BackendFaults { get; } = new();

    /// <summary>Gets a snapshot of every request received so far, in arrival order.</summary>
    public IReadOnlyList<RecordedRequest> Requests
    {
        get
        {
            lock (_lock)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>Gets how many <c>refresh_token</c> grants were POSTed to the token endpoint (scripted failures included).</summary>
    public int TokenRefreshCount
    {
        get
        {
            lock (_lock)
            {
                return _refreshReasons.Count;
            }
        }
    }

    /// <summary>Gets the <c>refresh_reason</c> of each refresh POST in arrival order (an empty string when absent).</summary>
    public IReadOnlyList<string> RefreshReasons
    {
        get
        {
            lock (_lock)
            {
                return [.. _refreshReasons];
            }
        }
    }

    /// <summary>Gets the tokens revoked through <c>POST /oauth/revoke</c>, in order.</summary>
    public IReadOnlyList<string> RevokedTokens
    {
        get
        {
            lock (_lock)
            {
                return [.. _revokedTokens];
            }
        }
    }

    /// <summary>Starts a server on <c>127.0.0.1</c> with an ephemeral port.</summary>
    /// <param name="options">Settings; <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running server; dispose it to stop it.</returns>
    /// <example>
    /// <code>
    /// await using var server = await FakeCodexServer.StartAsync();
    /// </code>
    /// </example>
    public static async Task<FakeCodexServer> StartAsync(FakeCodexServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new FakeCodexServerOptions();
        options.Validate();
        var server = new FakeCodexServer(options);
        try
        {
            await server.StartCoreAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return server;
    }

    /// <summary>
    /// Creates (or updates) a ChatGPT account and mints a fresh token set for it, as a completed sign-in would.
    /// The account's previous token set, if any, stops working. The account also becomes the one the browser
    /// sign-in approves unless <see cref="NextAuthorizeAccount"/> says otherwise.
    /// </summary>
    /// <param name="accountId">The ChatGPT account (workspace) id.</param>
    /// <param name="email">The email claim.</param>
    /// <param name="plan">The plan type claim (any value is kept as-is).</param>
    /// <param name="isFedRamp">The <c>chatgpt_account_is_fedramp</c> claim.</param>
    /// <param name="userId">The <c>chatgpt_user_id</c> claim; defaults to <c>user-{accountId}</c>.</param>
    /// <returns>The new token set.</returns>
    /// <example>
    /// <code>
    /// FakeSignIn signIn = server.SignIn("acct_42", email: "a@example.com", plan: "pro");
    /// await File.WriteAllTextAsync(authJsonPath, signIn.ToAuthJson());
    /// </code>
    /// </example>
    public FakeSignIn SignIn(string accountId = "acct_test", string email = "dev@example.com", string plan = "plus", bool isFedRamp = false, string? userId = null)
    {
        var account = FakeAccount.Create(accountId, email, plan, isFedRamp, userId);
        lock (_lock)
        {
            _lastSignInAccount = account;
            return IssueTokensLocked(account, RefreshTokenStatus.Replaced);
        }
    }

    /// <summary>Returns the account's current token set (after any rotations).</summary>
    /// <param name="accountId">The account id.</param>
    /// <returns>The current token set.</returns>
    /// <exception cref="InvalidOperationException">No such account has signed in.</exception>
    public FakeSignIn CurrentTokens(string accountId = "acct_test")
    {
        lock (_lock)
        {
            return _sessions.TryGetValue(accountId, out FakeSignIn? current)
                ? current
                : throw new InvalidOperationException($"No account '{accountId}' has signed in to this server.");
        }
    }

    /// <summary>
    /// Rotates the account's tokens as if another client (for example the Codex CLI) had refreshed them:
    /// the current refresh token is now spent and the current access token superseded.
    /// Not counted in <see cref="TokenRefreshCount"/>.
    /// </summary>
    /// <param name="accountId">The account id.</param>
    /// <returns>The token set the other client received.</returns>
    /// <exception cref="InvalidOperationException">No such account has signed in.</exception>
    public FakeSignIn SimulateRefreshByOtherClient(string accountId = "acct_test")
    {
        lock (_lock)
        {
            if (!_sessions.TryGetValue(accountId, out FakeSignIn? current))
            {
                throw new InvalidOperationException($"No account '{accountId}' has signed in to this server.");
            }

            return IssueTokensLocked(AccountOf(current), RefreshTokenStatus.Spent);
        }
    }

    /// <summary>
    /// Makes <paramref name="accountId"/> a residency-constrained workspace: discovery names <paramref name="workspaceBackendOrigin"/>
    /// (default: <see cref="RoutedOrigin"/>) and <paramref name="routingOverride"/>, and the default origin refuses the account's model
    /// calls with 401 <c>workspace_not_authorized_in_region</c> ("Workspace is not authorized in this region"), as the real backend does.
    /// Any text is accepted, so that tests can script answers a client must refuse (an <c>http://</c> origin, userinfo, …).
    /// </summary>
    /// <param name="accountId">The ChatGPT account (workspace) id.</param>
    /// <param name="workspaceBackendOrigin">The origin discovery announces; <see langword="null"/> for <see cref="RoutedOrigin"/>.</param>
    /// <param name="routingOverride">The <c>account_routing_override</c>: <c>us</c>, <c>us_cr</c> or <c>NO_CONSTRAINT</c>.</param>
    /// <example>
    /// <code>
    /// server.RouteAccount("acct_eu", routingOverride: "us");
    /// // model calls of acct_eu now succeed only at server.RoutedBaseAddress + "backend-api/codex/…" with x-openai-account-routing-override: us
    /// </code>
    /// </example>
    public void RouteAccount(string accountId, string? workspaceBackendOrigin = null, string routingOverride = "us")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(accountId);
        ArgumentException.ThrowIfNullOrWhiteSpace(routingOverride);
        lock (_lock)
        {
            _routing[accountId] = new AccountRouting(workspaceBackendOrigin ?? RoutedOrigin, routingOverride);
        }
    }

    /// <summary>Makes <paramref name="accountId"/> unconstrained again: discovery answers <c>NO_CONSTRAINT</c> for both fields.</summary>
    /// <param name="accountId">The ChatGPT account (workspace) id.</param>
    public void UnrouteAccount(string accountId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(accountId);
        lock (_lock)
        {
            _routing.Remove(accountId);
        }
    }

    /// <summary>Registers an API key that <see cref="ApiBaseUrl"/> accepts as <c>Authorization: Bearer &lt;key&gt;</c>.</summary>
    /// <param name="apiKey">The key, for example <c>sk-test-123</c>.</param>
    public void AddApiKey(string apiKey)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(apiKey);
        lock (_lock)
        {
            _apiKeys.Add(apiKey);
        }
    }

    /// <summary>
    /// Mints an RS256 JWT with the server's key over an arbitrary payload, for tests that need unusual tokens
    /// (no <c>exp</c>, odd claims). The payload is used as given; nothing is added.
    /// </summary>
    /// <param name="payload">The claims.</param>
    /// <param name="keyId">A <c>kid</c> for the header (for example <see cref="SigningKeyId"/>); none when <see langword="null"/>.</param>
    /// <returns>The compact JWT (<c>header.payload.signature</c>, base64url without padding).</returns>
    /// <example>
    /// <code>
    /// string noExp = server.MintJwt(new JsonObject { ["sub"] = "user-1" });
    /// </code>
    /// </example>
    public string MintJwt(JsonObject payload, string? keyId = null)
    {
        ArgumentNullException.ThrowIfNull(payload);
        return _signer.Sign(payload, keyId);
    }

    /// <summary>Returns true when the given refresh token has been revoked through <c>/oauth/revoke</c>.</summary>
    /// <param name="refreshToken">The refresh token.</param>
    /// <returns>Whether it is revoked.</returns>
    public bool IsRevoked(string refreshToken)
    {
        lock (_lock)
        {
            return _refreshTokens.TryGetValue(refreshToken, out RefreshTokenState? state) && state.Status == RefreshTokenStatus.Revoked;
        }
    }

    /// <summary>Returns the recorded requests whose path (without query) equals <paramref name="path"/>, case-insensitively.</summary>
    /// <param name="path">A path such as <c>/oauth/token</c>.</param>
    /// <returns>The matching requests in arrival order.</returns>
    public IReadOnlyList<RecordedRequest> RequestsTo(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        lock (_lock)
        {
            return [.. _requests.Where(r => string.Equals(r.Path, path, StringComparison.OrdinalIgnoreCase))];
        }
    }

    /// <summary>Forgets the recorded requests, refresh reasons and revocations (not the accounts or tokens).</summary>
    public void ClearRequests()
    {
        lock (_lock)
        {
            _requests.Clear();
            _refreshReasons.Clear();
            _revokedTokens.Clear();
        }
    }

    /// <summary>Stops the server, releasing any held request first.</summary>
    /// <returns>A task that completes when the server has stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        TokenFaults.ReleaseAllGates();
        if (_app is not null)
        {
            try
            {
                await _app.StopAsync().ConfigureAwait(false);
            }
            finally
            {
                await _app.DisposeAsync().ConfigureAwait(false);
            }
        }

        _signer.Dispose();
    }

    private static FakeAccount AccountOf(FakeSignIn signIn) =>
        new(signIn.AccountId, signIn.Email, signIn.Plan, signIn.IsFedRamp, signIn.UserId);

    private static async Task WriteJsonAsync(HttpContext context, int status, string json, TimeSpan? retryAfter = null)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        if (retryAfter is { } delay)
        {
            context.Response.Headers.RetryAfter = ((long)Math.Ceiling(delay.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        await context.Response.WriteAsync(json, context.RequestAborted).ConfigureAwait(false);
    }

    private static Task WriteJsonAsync(HttpContext context, int status, JsonNode json) =>
        WriteJsonAsync(context, status, json.ToJsonString(JwtSigner.CompactJson));

    private static Task WriteErrorAsync(HttpContext context, int status, string code, string message) =>
        WriteJsonAsync(context, status, FakeTokenEndpointFaults.ErrorObject(code, message));

    private static Task WriteScriptedAsync(HttpContext context, ScriptedResponse scripted) =>
        WriteJsonAsync(context, scripted.StatusCode, scripted.Body, scripted.RetryAfter);

    private async Task StartCoreAsync(CancellationToken cancellationToken)
    {
        // An empty builder: no configuration sources. A slim or default builder reads the appsettings.json next to the test
        // assembly and every environment variable, and Kestrel binds whatever "Kestrel:Endpoints" they name besides the two
        // loopback listeners below — in a test project that copies an application's appsettings.json, a fixed port that
        // collides when test classes run in parallel. The fake server's configuration is all in FakeCodexServerOptions.
        WebApplicationBuilder builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(FakeCodexServer).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = Environments.Production,
        });
        builder.WebHost.UseKestrelCore();
        builder.Services.AddRoutingCore();
        builder.Logging.ClearProviders();
        if (_options.LoggerFactory is { } loggerFactory)
        {
            builder.Services.AddSingleton(loggerFactory);
        }

        builder.Services.AddSingleton<IHostLifetime, NoopHostLifetime>();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        Microsoft.AspNetCore.Server.Kestrel.Core.ListenOptions? routedListener = null;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0);
            kestrel.Listen(IPAddress.Loopback, 0, listen => routedListener = listen);
        });

        WebApplication app = builder.Build();
        _app = app;
        app.Use(RecordAsync);
        MapTokenEndpoints(app);
        MapSignInEndpoints(app);
        MapBackendEndpoints(app);
        MapAgentIdentityEndpoints(app);

        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        _routedPort = routedListener!.IPEndPoint!.Port;
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .Select(a => new Uri(a))
            .First(a => a.Port != _routedPort)
            .GetLeftPart(UriPartial.Authority);
        BaseAddress = new Uri(address + "/", UriKind.Absolute);
        RoutedBaseAddress = new Uri($"http://127.0.0.1:{_routedPort}/", UriKind.Absolute);
    }

    private async Task RecordAsync(HttpContext context, RequestDelegate next)
    {
        HttpRequest request = context.Request;
        request.EnableBuffering();
        string body;
        using (var reader = new StreamReader(request.Body, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, leaveOpen: true))
        {
            body = await reader.ReadToEndAsync(context.RequestAborted).ConfigureAwait(false);
        }

        request.Body.Position = 0;
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (KeyValuePair<string, Microsoft.Extensions.Primitives.StringValues> header in request.Headers)
        {
            headers[header.Key] = string.Join(", ", header.Value.Where(v => v is not null).Select(v => v!));
        }

        var recorded = new RecordedRequest(request.Method, request.Path.Value ?? "/", request.QueryString.Value ?? string.Empty, headers, body, _time.GetUtcNow())
        {
            IsRoutedOrigin = context.Connection.LocalPort == _routedPort,
        };
        lock (_lock)
        {
            _requests.Add(recorded);
        }

        context.Items[typeof(RecordedRequest)] = recorded;
        await next(context).ConfigureAwait(false);
    }

    private FakeSignIn IssueTokensLocked(FakeAccount account, RefreshTokenStatus previousBecomes)
    {
        if (_sessions.TryGetValue(account.AccountId, out FakeSignIn? previous))
        {
            if (_refreshTokens.TryGetValue(previous.RefreshToken, out RefreshTokenState? state) && state.Status == RefreshTokenStatus.Current)
            {
                state.Status = previousBecomes;
            }
        }

        DateTimeOffset now = _time.GetUtcNow();
        DateTimeOffset issuedAt = DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds());
        DateTimeOffset expiresAt = DateTimeOffset.FromUnixTimeSeconds((now + _options.AccessTokenLifetime).ToUnixTimeSeconds());
        var authClaims = new JsonObject
        {
            ["chatgpt_account_id"] = account.AccountId,
            ["chatgpt_plan_type"] = account.Plan,
            ["chatgpt_user_id"] = account.UserId,
            ["user_id"] = account.UserId,
            ["chatgpt_account_is_fedramp"] = account.IsFedRamp,
        };

        var idPayload = new JsonObject
        {
            ["iss"] = IssuerString,
            ["aud"] = new JsonArray(ClientId),
            ["sub"] = account.UserId,
            ["email"] = account.Email,
            ["email_verified"] = true,
            ["iat"] = issuedAt.ToUnixTimeSeconds(),
            ["auth_time"] = issuedAt.ToUnixTimeSeconds(),
            ["exp"] = expiresAt.ToUnixTimeSeconds(),
            ["jti"] = Guid.NewGuid().ToString(),
            [AuthClaim] = authClaims.DeepClone(),
        };

        var accessPayload = new JsonObject
        {
            ["iss"] = IssuerString,
            ["aud"] = new JsonArray("https://api.openai.com/v1"),
            ["client_id"] = ClientId,
            ["sub"] = account.UserId,
            ["iat"] = issuedAt.ToUnixTimeSeconds(),
            ["nbf"] = issuedAt.ToUnixTimeSeconds(),
            ["exp"] = expiresAt.ToUnixTimeSeconds(),
            ["jti"] = Guid.NewGuid().ToString(),
            ["scp"] = new JsonArray("openid", "profile", "email", "offline_access"),
            ["account_id"] = account.AccountId,
            [AuthClaim] = authClaims.DeepClone(),
            [ProfileClaim] = new JsonObject { ["email"] = account.Email, ["email_verified"] = true },
        };

        var signIn = new FakeSignIn(
            _signer.Sign(idPayload, _signer.KeyId),
            _signer.Sign(accessPayload, _signer.KeyId),
            RandomIds.New("rt_", 32),
            account,
            issuedAt,
            expiresAt,
            _time);
        _sessions[account.AccountId] = signIn;
        _refreshTokens[signIn.RefreshToken] = new RefreshTokenState(account.AccountId);
        _accessTokens[signIn.AccessToken] = account.AccountId;
        return signIn;
    }
}
