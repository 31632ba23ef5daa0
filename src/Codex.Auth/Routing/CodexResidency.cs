namespace Codex.Auth.Routing;

/// <summary>The data residency a client insists on (config.toml <c>enforce_residency</c>, PROTOCOL §9).</summary>
public enum CodexResidency
{
    /// <summary>No requirement (the default): every workspace is served where discovery says.</summary>
    None = 0,

    /// <summary>
    /// <c>enforce_residency = "us"</c>: every request carries <c>x-openai-internal-codex-residency: us</c>, and an account whose
    /// workspace is not residency-constrained (<c>NO_CONSTRAINT</c>) is refused before anything is sent.
    /// </summary>
    Us,
}
