using System.Diagnostics;

namespace Codex.Auth.Routing;

/// <summary>
/// Where an account's model calls go, as workspace routing discovery (<c>GET {chatgpt_base_url}wham/accounts/check</c>,
/// PROTOCOL §9) answered: the backend origin and the routing override. Holds no secret.
/// </summary>
/// <remarks>
/// Model calls (<c>…/backend-api/codex/…</c>) of a residency-constrained workspace go to <see cref="BackendOrigin"/> with
/// <c>x-openai-account-routing-override: </c><see cref="RoutingOverride"/>; everything else stays on <c>chatgpt_base_url</c>.
/// For an unconstrained account (<c>NO_CONSTRAINT</c>) nothing changes: <see cref="BackendOrigin"/> is <c>chatgpt_base_url</c>'s
/// origin and no override header is sent.
/// </remarks>
/// <example>
/// <code>
/// WorkspaceRouting routing = await router.DiscoverAsync();
/// Console.WriteLine($"{routing.AccountId}: model calls go to {routing.BackendOrigin} (override {routing.RoutingOverride})");
/// </code>
/// </example>
[DebuggerDisplay("{ToString(),nq}")]
public sealed class WorkspaceRouting
{
    /// <summary>The value discovery uses for "no constraint", for both the origin and the override.</summary>
    public const string NoConstraint = "NO_CONSTRAINT";

    /// <summary>The routing override of a US-resident workspace.</summary>
    public const string UsOverride = "us";

    /// <summary>The routing override of a US-resident workspace with additional controls (expected for FedRAMP accounts).</summary>
    public const string UsControlledOverride = "us_cr";

    internal WorkspaceRouting(string accountId, Uri backendOrigin, bool isOriginDiscovered, string routingOverride, DateTimeOffset discoveredAt)
    {
        AccountId = accountId;
        BackendOrigin = backendOrigin;
        IsOriginDiscovered = isOriginDiscovered;
        RoutingOverride = routingOverride;
        DiscoveredAt = discoveredAt;
    }

    /// <summary>Gets the account (workspace) id the routing belongs to.</summary>
    public string AccountId { get; }

    /// <summary>Gets the origin model calls go to (scheme, host and port only, for example <c>https://us.chatgpt.com/</c>).</summary>
    public Uri BackendOrigin { get; }

    /// <summary>
    /// Gets a value indicating whether discovery named an origin of its own; <see langword="false"/> when it said <c>NO_CONSTRAINT</c>
    /// and <see cref="BackendOrigin"/> is <c>chatgpt_base_url</c>'s origin.
    /// </summary>
    public bool IsOriginDiscovered { get; }

    /// <summary>Gets the routing override: <see cref="NoConstraint"/>, <see cref="UsOverride"/> or <see cref="UsControlledOverride"/>.</summary>
    public string RoutingOverride { get; }

    /// <summary>Gets a value indicating whether the workspace is residency-constrained (the override is not <see cref="NoConstraint"/>).</summary>
    public bool IsConstrained => !string.Equals(RoutingOverride, NoConstraint, StringComparison.Ordinal);

    /// <summary>Gets when discovery answered, by the router's clock.</summary>
    public DateTimeOffset DiscoveredAt { get; }

    /// <summary>
    /// Reads a discovery answer (PROTOCOL §9): <c>accounts</c> as a list of account objects or a map of
    /// <c>{"&lt;id&gt;": {"account": {…}}}</c>; the account <paramref name="accountId"/> must be listed exactly once.
    /// </summary>
    /// <param name="json">The response body.</param>
    /// <param name="accountId">The signed-in account (the <c>ChatGPT-Account-ID</c> the request carried).</param>
    /// <param name="chatGptBaseUrl">The configured <c>chatgpt_base_url</c>; its origin stands for <c>NO_CONSTRAINT</c>.</param>
    /// <param name="discoveredAt">When the answer arrived.</param>
    /// <returns>The routing.</returns>
    /// <exception cref="CodexAuthException">
    /// <see cref="CodexAuthFailureReason.RoutingDiscoveryFailed"/>: the body is not a JSON object with <c>accounts</c>, the account is
    /// missing or listed more than once, the origin is not HTTPS (plain HTTP only for loopback) or carries credentials, a path or
    /// a query, or the override is not one of <c>NO_CONSTRAINT</c>, <c>us</c>, <c>us_cr</c>. The message never quotes the body.
    /// </exception>
    /// <example>
    /// <code>
    /// WorkspaceRouting routing = WorkspaceRouting.Parse(body, "acct_123", new Uri("https://chatgpt.com/backend-api/"), DateTimeOffset.UtcNow);
    /// </code>
    /// </example>
    public static WorkspaceRouting Parse(string json, string accountId, Uri chatGptBaseUrl, DateTimeOffset discoveredAt) =>
        WorkspaceRoutingParser.Parse(json, accountId, chatGptBaseUrl, discoveredAt);

    /// <summary>The routing of an account nothing constrains: <c>chatgpt_base_url</c>'s origin, no override.</summary>
    internal static WorkspaceRouting Unconstrained(string accountId, Uri chatGptBaseUrl, DateTimeOffset discoveredAt) =>
        new(accountId, WorkspaceRoutingParser.OriginOf(chatGptBaseUrl), isOriginDiscovered: false, NoConstraint, discoveredAt);

    /// <summary>Returns the account, origin and override.</summary>
    /// <returns>For example <c>account=acct_1 origin=https://us.chatgpt.com override=us</c>.</returns>
    public override string ToString() =>
        $"account={AccountId} origin={BackendOrigin.GetLeftPart(UriPartial.Authority)}{(IsOriginDiscovered ? string.Empty : " (NO_CONSTRAINT)")} override={RoutingOverride}";
}
