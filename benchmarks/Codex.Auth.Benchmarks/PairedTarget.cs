namespace Codex.Auth.Benchmarks;

/// <summary>A subject and its reference, measured alternately in one process (see <see cref="PairedRunner"/>).</summary>
/// <param name="Name">What is judged, for example <c>API key ≤ 1.15× floor (destination check)</c>.</param>
/// <param name="Subject">One operation of the subject.</param>
/// <param name="Reference">One operation of the floor or peer.</param>
/// <param name="Limit">The largest passing median ratio, or <see langword="null"/> for information only.</param>
/// <param name="MaxSubjectBytes">The most bytes the subject may allocate per operation: a number, or -1 for "no more than the reference", or <see langword="null"/> for no byte check.</param>
/// <param name="ExplainBytes">Given the subject's bytes per operation, a note that splits them (printed after the measurement), or <see langword="null"/>.</param>
internal sealed record PairedTarget(string Name, Action Subject, Action Reference, double? Limit, long? MaxSubjectBytes = -1, Func<long, string>? ExplainBytes = null);
