namespace Codex.Auth.Testing.Internal;

/// <summary>What the discovery endpoint says about one account: its backend origin and routing override, as text.</summary>
internal sealed record AccountRouting(string WorkspaceBackendOrigin, string RoutingOverride)
{
    public const string NoConstraint = "NO_CONSTRAINT";

    public static AccountRouting Unconstrained { get; } = new(NoConstraint, NoConstraint);

    public bool IsConstrained => !string.Equals(RoutingOverride, NoConstraint, StringComparison.Ordinal);
}
