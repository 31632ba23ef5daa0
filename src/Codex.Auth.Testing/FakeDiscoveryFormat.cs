namespace Codex.Auth.Testing;

/// <summary>How <c>GET /backend-api/wham/accounts/check</c> lays out its <c>accounts</c> (PROTOCOL §9 allows both).</summary>
public enum FakeDiscoveryFormat
{
    /// <summary><c>"accounts": [ { "id": …, "workspace_backend_origin": …, "account_routing_override": … } ]</c>.</summary>
    List = 0,

    /// <summary><c>"accounts": { "&lt;id&gt;": { "account": { "id": …, "workspace_backend_origin": …, … } } }</c>.</summary>
    Map,
}
