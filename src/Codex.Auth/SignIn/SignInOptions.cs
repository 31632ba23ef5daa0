using Codex.Auth.Backchannel;

namespace Codex.Auth.SignIn;

/// <summary>
/// Settings for <see cref="CodexSignIn"/>: where the OAuth issuer lives, which client id to present, the local
/// callback ports of the browser flow, the clock and the <see cref="System.Net.Http.HttpClient"/> to use.
/// </summary>
/// <remarks>
/// Every endpoint is derived from <see cref="Issuer"/> (PROTOCOL §8), so tests and private deployments only have
/// to change one address: <c>{issuer}/oauth/authorize</c>, <c>{issuer}/oauth/token</c>, <c>{issuer}/oauth/revoke</c>,
/// <c>{issuer}/api/accounts/deviceauth/usercode</c>, <c>{issuer}/api/accounts/deviceauth/token</c>,
/// <c>{issuer}/codex/device</c> and <c>{issuer}/deviceauth/callback</c>.
/// </remarks>
/// <example>
/// <code>
/// var options = SignInOptions.FromEnvironment();          // honours CODEX_APP_SERVER_LOGIN_CLIENT_ID, CODEX_REVOKE_TOKEN_URL_OVERRIDE
/// options.Issuer = new Uri("https://auth.example.test");  // optional: a private deployment
/// </code>
/// </example>
public sealed class SignInOptions
{
    /// <summary>The default browser callback port: <c>1455</c>.</summary>
    public const int DefaultCallbackPort = 1455;

    /// <summary>The fallback browser callback port, used when <see cref="DefaultCallbackPort"/> is taken: <c>1457</c>.</summary>
    public const int DefaultFallbackCallbackPort = 1457;

    /// <summary>The originator the Codex CLI announces: <c>codex_cli_rs</c>.</summary>
    public const string DefaultOriginator = "codex_cli_rs";

    /// <summary>Gets or sets the OAuth issuer. Default <c>https://auth.openai.com</c>.</summary>
    public Uri Issuer { get; set; } = CodexEndpoints.Issuer;

    /// <summary>Gets or sets the OAuth client id. Default <c>app_EMoamEEZ73f0CkXaXp7hrann</c>.</summary>
    public string ClientId { get; set; } = CodexEndpoints.ClientId;

    /// <summary>Gets or sets the whole revoke URL, replacing <c>{issuer}/oauth/revoke</c>; <see langword="null"/> to derive it.</summary>
    public Uri? RevokeUrl { get; set; }

    /// <summary>Gets or sets the port of the browser flow's local callback server. Default 1455; 0 picks a free port.</summary>
    public int CallbackPort { get; set; } = DefaultCallbackPort;

    /// <summary>Gets or sets the port tried when <see cref="CallbackPort"/> is taken. Default 1457; <see langword="null"/> for none.</summary>
    public int? FallbackCallbackPort { get; set; } = DefaultFallbackCallbackPort;

    /// <summary>Gets or sets the <c>originator</c> sent on the authorize URL. Default <c>codex_cli_rs</c>.</summary>
    public string Originator { get; set; } = DefaultOriginator;

    /// <summary>Gets or sets the clock. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>
    /// Gets or sets the client used for every call to the issuer. <see langword="null"/> (the default) makes
    /// <see cref="CodexSignIn"/> create and own one.
    /// </summary>
    public HttpClient? HttpClient { get; set; }

    /// <summary>
    /// Gets or sets the only sign-in method allowed (<c>forced_login_method</c> in config.toml): with
    /// <see cref="Configuration.CodexLoginMethod.Api"/> a ChatGPT sign-in is refused, with
    /// <see cref="Configuration.CodexLoginMethod.ChatGpt"/> saving an API key or personal access token is. Default: any.
    /// </summary>
    public Configuration.CodexLoginMethod? ForcedLoginMethod { get; set; }

    /// <summary>
    /// Gets or sets the only ChatGPT workspace allowed (<c>forced_chatgpt_workspace_id</c>): sent to the issuer as
    /// <c>allowed_workspace_id</c>, and a sign-in whose id_token names another workspace is refused and not saved. Default: any.
    /// </summary>
    public string? ForcedChatGptWorkspaceId { get; set; }

    /// <summary>Applies a configuration's sign-in restrictions (<c>forced_login_method</c>, <c>forced_chatgpt_workspace_id</c>).</summary>
    /// <param name="configuration">The resolved configuration.</param>
    /// <returns>These options.</returns>
    public SignInOptions WithRestrictions(Configuration.CodexConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ForcedLoginMethod = configuration.ForcedLoginMethod;
        ForcedChatGptWorkspaceId = configuration.ForcedChatGptWorkspaceId;
        return this;
    }

    /// <summary>Gets or sets how long a device code stays valid and the device flow keeps polling. Default 15 minutes.</summary>
    public TimeSpan DeviceCodeLifetime { get; set; } = TimeSpan.FromMinutes(15);

    internal Uri AuthorizeUrl => Endpoint("oauth/authorize");

    internal Uri TokenUrl => Endpoint("oauth/token");

    internal Uri EffectiveRevokeUrl => RevokeUrl ?? Endpoint("oauth/revoke");

    internal Uri DeviceUserCodeUrl => Endpoint("api/accounts/deviceauth/usercode");

    internal Uri DeviceTokenUrl => Endpoint("api/accounts/deviceauth/token");

    internal Uri DeviceVerificationUrl => Endpoint("codex/device");

    internal Uri DeviceRedirectUrl => Endpoint("deviceauth/callback");

    /// <summary>
    /// Creates options with the defaults, then applies <c>CODEX_APP_SERVER_LOGIN_CLIENT_ID</c> (when non-blank)
    /// and <c>CODEX_REVOKE_TOKEN_URL_OVERRIDE</c>.
    /// </summary>
    /// <param name="environment">The environment; defaults to the process environment.</param>
    /// <returns>The options.</returns>
    /// <exception cref="CodexAuthException">The revoke override is malformed (<see cref="CodexAuthFailureReason.InvalidEndpoint"/>) or plain HTTP to a host that is not loopback (<see cref="CodexAuthFailureReason.InsecureTransport"/>).</exception>
    public static SignInOptions FromEnvironment(CodexEnvironment? environment = null)
    {
        environment ??= CodexEnvironment.Process;
        var options = new SignInOptions();
        if (environment.GetNonBlank(CodexEnvironmentVariables.LoginClientId) is { } clientId)
        {
            options.ClientId = clientId;
        }

        if (BackchannelEndpoints.FromEnvironment(environment, CodexEnvironmentVariables.RevokeTokenUrlOverride) is { } revokeUrl)
        {
            options.RevokeUrl = revokeUrl;
        }

        return options;
    }

    /// <summary>The checks only the back channel makes: the issuer and revoke URL are HTTPS or loopback (typed <see cref="CodexAuthException"/>).</summary>
    internal void RequireSecureEndpoints()
    {
        BackchannelEndpoints.Require(Issuer, "SignInOptions.Issuer");
        if (RevokeUrl is not null)
        {
            BackchannelEndpoints.Require(RevokeUrl, "SignInOptions.RevokeUrl");
        }
    }

    private Uri Endpoint(string relative)
    {
        string baseText = Issuer.AbsoluteUri;
        return new Uri(baseText.EndsWith('/') ? baseText + relative : baseText + "/" + relative);
    }
}
