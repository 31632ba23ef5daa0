namespace Codex.Auth.Routing;

/// <summary>What routing a request needs.</summary>
[Flags]
internal enum RoutingNeed
{
    None = 0,
    ModelCall = 1,
    Residency = 2,
}
