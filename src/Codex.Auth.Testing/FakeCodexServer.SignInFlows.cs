using System.Globalization;
using System.Text.Json.Nodes;
using Codex.Auth.Testing.Internal;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.WebUtilities;

namespace Codex.Auth.Testing;

/// <content>Browser (PKCE) and device-code sign-in.</content>
public sealed partial class FakeCodexServer
{
    private static readonly TimeSpan AuthorizationCodeLifetime = TimeSpan.FromMinutes(10);

    private readonly Dictionary<string, AuthorizationCodeGrant> _authorizationCodes = new(StringComparer.Ordinal);
    private readonly List<DeviceCode> _deviceCodes = [];
    private readonly List<TaskCompletionSource<string>> _deviceCodeWaiters = [];
    private FakeAccount? _nextAuthorizeAccount;
    private bool _denyNextAuthorize;

    /// <summary>
    /// Sets the account that the next <c>GET /oauth/authorize</c> approves (once). Without it, the browser flow
    /// approves the account of the last <see cref="SignIn"/>, or <c>acct_test</c> / <c>dev@example.com</c> / <c>plus</c>.
    /// </summary>
    /// <param name="accountId">The ChatGPT account id.</param>
    /// <param name="email">The email claim.</param>
    /// <param name="plan">The plan type claim.</param>
    /// <param name="isFedRamp">The FedRAMP claim.</param>
    /// <param name="userId">The user id claim; defaults to <c>user-{accountId}</c>.</param>
    public void NextAuthorizeAccount(string accountId = "acct_test", string email = "dev@example.com", string plan = "plus", bool isFedRamp = false, string? userId = null)
    {
        var account = FakeAccount.Create(accountId, email, plan, isFedRamp, userId);
        lock (_lock)
        {
            _nextAuthorizeAccount = account;
        }
    }

    /// <summary>Makes the next <c>GET /oauth/authorize</c> redirect with <c>error=access_denied</c> (and the state) instead of a code.</summary>
    public void DenyNextAuthorize()
    {
        lock (_lock)
        {
            _denyNextAuthorize = true;
        }
    }

    /// <summary>
    /// Approves a pending device code for the given account; the client's next poll of
    /// <c>/api/accounts/deviceauth/token</c> then gets the authorization code and PKCE pair.
    /// </summary>
    /// <param name="userCode">The user code shown to the user; <see langword="null"/> for the most recent pending one.</param>
    /// <param name="accountId">The ChatGPT account id.</param>
    /// <param name="email">The email claim.</param>
    /// <param name="plan">The plan type claim.</param>
    /// <param name="isFedRamp">The FedRAMP claim.</param>
    /// <param name="userId">The user id claim; defaults to <c>user-{accountId}</c>.</param>
    /// <exception cref="InvalidOperationException">There is no such pending device code.</exception>
    /// <example>
    /// <code>
    /// string userCode = await server.WaitForDeviceCodeAsync();
    /// server.ApproveDeviceCode(userCode, accountId: "acct_1");
    /// </code>
    /// </example>
    public void ApproveDeviceCode(string? userCode = null, string accountId = "acct_test", string email = "dev@example.com", string plan = "plus", bool isFedRamp = false, string? userId = null)
    {
        var account = FakeAccount.Create(accountId, email, plan, isFedRamp, userId);
        lock (_lock)
        {
            DeviceCode? device = userCode is null
                ? _deviceCodes.LastOrDefault(d => d.AuthorizationCode is null)
                : _deviceCodes.Find(d => string.Equals(d.UserCode, userCode, StringComparison.OrdinalIgnoreCase));
            if (device is null || device.AuthorizationCode is not null)
            {
                throw new InvalidOperationException(userCode is null ? "No device code is pending." : $"No pending device code '{userCode}'.");
            }

            string verifier = RandomIds.New(string.Empty, 64);
            string challenge = RandomIds.PkceChallenge(verifier);
            string code = RandomIds.New("ac_", 24);
            _authorizationCodes[code] = new AuthorizationCodeGrant(challenge, IssuerString + "/deviceauth/callback", account, _time.GetUtcNow() + AuthorizationCodeLifetime);
            device.CodeVerifier = verifier;
            device.CodeChallenge = challenge;
            device.AuthorizationCode = code;
        }
    }

    /// <summary>
    /// Returns the user code of the most recent pending device code, waiting (without polling) until a client
    /// requests one if none is pending yet.
    /// </summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The user code.</returns>
    public Task<string> WaitForDeviceCodeAsync(CancellationToken cancellationToken = default)
    {
        var waiter = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            DeviceCode? pending = _deviceCodes.LastOrDefault(d => d.AuthorizationCode is null);
            if (pending is not null)
            {
                return Task.FromResult(pending.UserCode);
            }

            _deviceCodeWaiters.Add(waiter);
        }

        return waiter.Task.WaitAsync(cancellationToken);
    }

    private void MapSignInEndpoints(IEndpointRouteBuilder app)
    {
        app.MapGet("/oauth/authorize", (RequestDelegate)HandleAuthorizeAsync);
        app.MapPost("/api/accounts/deviceauth/usercode", (RequestDelegate)HandleDeviceUserCodeAsync);
        app.MapPost("/api/accounts/deviceauth/token", (RequestDelegate)HandleDeviceTokenAsync);
        app.MapGet("/codex/device", (RequestDelegate)(context =>
        {
            context.Response.ContentType = "text/html; charset=utf-8";
            return context.Response.WriteAsync("<html><body>Enter the code shown by your tool. (Fake Codex server: approve it from the test.)</body></html>", context.RequestAborted);
        }));
    }

    private async Task HandleAuthorizeAsync(HttpContext context)
    {
        IQueryCollection query = context.Request.Query;
        string clientId = query["client_id"].ToString();
        string responseType = query["response_type"].ToString();
        string redirectUri = query["redirect_uri"].ToString();
        string challenge = query["code_challenge"].ToString();
        string method = query["code_challenge_method"].ToString();
        string state = query["state"].ToString();

        string? problem = !string.Equals(clientId, ClientId, StringComparison.Ordinal) ? "unknown client_id"
            : !string.Equals(responseType, "code", StringComparison.Ordinal) ? "response_type must be code"
            : !Uri.TryCreate(redirectUri, UriKind.Absolute, out _) ? "redirect_uri must be an absolute URI"
            : string.IsNullOrEmpty(challenge) ? "code_challenge is required"
            : !string.Equals(method, "S256", StringComparison.Ordinal) ? "code_challenge_method must be S256"
            : string.IsNullOrEmpty(state) ? "state is required"
            : null;
        if (problem is not null)
        {
            await WriteOAuthErrorAsync(context, 400, "invalid_request", problem).ConfigureAwait(false);
            return;
        }

        string location;
        lock (_lock)
        {
            if (_denyNextAuthorize)
            {
                _denyNextAuthorize = false;
                location = QueryHelpers.AddQueryString(redirectUri, new Dictionary<string, string?> { ["error"] = "access_denied", ["state"] = state });
            }
            else
            {
                FakeAccount account = _nextAuthorizeAccount ?? _lastSignInAccount ?? FakeAccount.Create("acct_test", "dev@example.com", "plus", false, null);
                _nextAuthorizeAccount = null;
                string code = RandomIds.New("ac_", 24);
                _authorizationCodes[code] = new AuthorizationCodeGrant(challenge, redirectUri, account, _time.GetUtcNow() + AuthorizationCodeLifetime);
                location = QueryHelpers.AddQueryString(redirectUri, new Dictionary<string, string?> { ["code"] = code, ["state"] = state });
            }
        }

        context.Response.StatusCode = StatusCodes.Status302Found;
        context.Response.Headers.Location = location;
    }

    private async Task HandleAuthorizationCodeAsync(HttpContext context, IFormCollection form)
    {
        string clientId = form["client_id"].ToString();
        string code = form["code"].ToString();
        string redirectUri = form["redirect_uri"].ToString();
        string verifier = form["code_verifier"].ToString();
        if (!string.Equals(clientId, ClientId, StringComparison.Ordinal))
        {
            await WriteOAuthErrorAsync(context, 401, "invalid_client", "Unknown or missing client_id.").ConfigureAwait(false);
            return;
        }

        string? problem;
        FakeSignIn? signIn = null;
        lock (_lock)
        {
            // A code is single-use: it is removed on the first attempt, right or wrong.
            if (!_authorizationCodes.Remove(code, out AuthorizationCodeGrant? grant))
            {
                problem = "Unknown or already used authorization code.";
            }
            else if (_time.GetUtcNow() >= grant.ExpiresAt)
            {
                problem = "The authorization code has expired.";
            }
            else if (!string.Equals(grant.RedirectUri, redirectUri, StringComparison.Ordinal))
            {
                problem = "redirect_uri does not match the one used to obtain the code.";
            }
            else if (string.IsNullOrEmpty(verifier) || !string.Equals(RandomIds.PkceChallenge(verifier), grant.CodeChallenge, StringComparison.Ordinal))
            {
                problem = "code_verifier does not match the code_challenge.";
            }
            else
            {
                problem = null;
                _lastSignInAccount = grant.Account;
                signIn = IssueTokensLocked(grant.Account, RefreshTokenStatus.Replaced);
            }
        }

        if (signIn is null)
        {
            await WriteOAuthErrorAsync(context, 400, "invalid_grant", problem!).ConfigureAwait(false);
            return;
        }

        await WriteJsonAsync(context, 200, new JsonObject
        {
            ["id_token"] = signIn.IdToken,
            ["access_token"] = signIn.AccessToken,
            ["refresh_token"] = signIn.RefreshToken,
        }).ConfigureAwait(false);
    }

    private async Task HandleDeviceUserCodeAsync(HttpContext context)
    {
        if (!_options.DeviceCodeLoginEnabled)
        {
            await WriteErrorAsync(context, 404, "not_found", "Device code login is not enabled.").ConfigureAwait(false);
            return;
        }

        JsonObject? body = IsJson(context.Request) ? ReadJsonObject(context) : null;
        if (body is null || !string.Equals(StringProperty(body, "client_id"), ClientId, StringComparison.Ordinal))
        {
            await WriteErrorAsync(context, 400, "invalid_request", "Expected a JSON body with the client_id.").ConfigureAwait(false);
            return;
        }

        var device = new DeviceCode(RandomIds.New("deviceauth_", 16), RandomIds.UserCode(), _time.GetUtcNow() + _options.DeviceCodeLifetime);
        TaskCompletionSource<string>[] waiters;
        lock (_lock)
        {
            _deviceCodes.Add(device);
            waiters = [.. _deviceCodeWaiters];
            _deviceCodeWaiters.Clear();
        }

        foreach (TaskCompletionSource<string> waiter in waiters)
        {
            waiter.TrySetResult(device.UserCode);
        }

        await WriteJsonAsync(context, 200, new JsonObject
        {
            ["device_auth_id"] = device.DeviceAuthId,
            ["user_code"] = device.UserCode,
            ["interval"] = ((long)_options.DeviceCodeInterval.TotalSeconds).ToString(CultureInfo.InvariantCulture),
            ["expires_at"] = device.ExpiresAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        }).ConfigureAwait(false);
    }

    private async Task HandleDeviceTokenAsync(HttpContext context)
    {
        JsonObject? body = IsJson(context.Request) ? ReadJsonObject(context) : null;
        string? deviceAuthId = body is null ? null : StringProperty(body, "device_auth_id");
        string? userCode = body is null ? null : StringProperty(body, "user_code");
        DeviceCode? device;
        lock (_lock)
        {
            device = _deviceCodes.Find(d => string.Equals(d.DeviceAuthId, deviceAuthId, StringComparison.Ordinal));
        }

        if (device is null || !string.Equals(device.UserCode, userCode, StringComparison.OrdinalIgnoreCase))
        {
            await WriteErrorAsync(context, 400, "invalid_request", "Unknown device_auth_id or user_code.").ConfigureAwait(false);
            return;
        }

        string? code;
        string? verifier;
        string? challenge;
        lock (_lock)
        {
            (code, verifier, challenge) = (device.AuthorizationCode, device.CodeVerifier, device.CodeChallenge);
        }

        if (code is null)
        {
            if (_time.GetUtcNow() >= device.ExpiresAt)
            {
                await WriteErrorAsync(context, 410, "device_code_expired", "The device code has expired.").ConfigureAwait(false);
                return;
            }

            await WriteErrorAsync(context, 403, "deviceauth_authorization_pending", "The user has not approved this device yet.").ConfigureAwait(false);
            return;
        }

        await WriteJsonAsync(context, 200, new JsonObject
        {
            ["authorization_code"] = code,
            ["code_challenge"] = challenge,
            ["code_verifier"] = verifier,
        }).ConfigureAwait(false);
    }
}
