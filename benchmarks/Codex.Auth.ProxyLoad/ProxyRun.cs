namespace Codex.Auth.ProxyLoad;

/// <summary>One codex-auth build's measurements in one round.</summary>
internal sealed class ProxyRun
{
    public LoadResult Load { get; set; } = null!;

    /// <summary>nginx (injecting) measured right before or right after this build in the same round: the ratios' denominator.</summary>
    public LoadResult? PairedNginx { get; set; }

    public TimeSpan Ready { get; set; }

    public long IdleRss { get; set; }

    public long IdlePss { get; set; }

    public long Rss { get; set; }

    public long Pss { get; set; }

    public double LogLinesPerRequest { get; set; }

    public int ExitCode { get; set; }
}
