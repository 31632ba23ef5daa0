using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Codex.Auth.Benchmarks;

/// <summary>
/// Judges the in-process targets on a shared machine: each subject and its reference run in this one process, alternating
/// A B, B A, A B … in batches of equal size (about 100 µs each, after tiered compilation has settled), and the verdict is the <b>median of the per-pair ratios</b>, so a
/// burst of load from elsewhere hits both sides of a pair instead of one benchmark process. Bytes per operation come from
/// <see cref="GC.GetAllocatedBytesForCurrentThread"/> over a batch (everything here completes synchronously on this thread).
/// BenchmarkDotNet's tables stay the source of the absolute numbers.
/// </summary>
internal static class PairedRunner
{
    public static (string Text, string Markdown) Run(IReadOnlyList<PairedTarget> targets, int pairs = 2001)
    {
        var rows = new List<string[]>();
        foreach (PairedTarget target in targets)
        {
            rows.Add(Measure(target, pairs));
        }

        var text = new StringBuilder($"Paired targets (subject and reference alternating in one process, {pairs} pairs; ratio = median of the per-pair ratios, [P25–P75]):").AppendLine();
        int width = rows.Max(r => r[0].Length);
        foreach (string[] row in rows)
        {
            text.Append(CultureInfo.InvariantCulture, $"  {row[2],-5} {row[0].PadRight(width)}  {row[1],-22} {row[3]}").AppendLine();
        }

        var md = new StringBuilder("| Target (paired) | Median ratio [P25–P75] | Result | Measured |").AppendLine().AppendLine("|---|---:|---|---|");
        foreach (string[] row in rows)
        {
            md.Append(CultureInfo.InvariantCulture, $"| {row[0]} | {row[1]} | {row[2]} | {row[3]} |").AppendLine();
        }

        return (text.ToString(), md.ToString());
    }

    private static string[] Measure(PairedTarget target, int pairs)
    {
        // Warm both until tiered compilation has settled: run each for a while, give the background compiler time to
        // install the optimized code, and run again. Then size a batch so that the slower side takes about 100 µs (the
        // least disturbed of five tries decides): short batches mostly fit inside one scheduler time slice, so on a busy
        // machine most pairs are undisturbed and the median ignores the rest.
        for (int round = 0; round < 3; round++)
        {
            WarmFor(target.Subject, TimeSpan.FromMilliseconds(150));
            WarmFor(target.Reference, TimeSpan.FromMilliseconds(150));
            Thread.Sleep(150);
        }

        int n = 16;
        while (n < 1 << 24)
        {
            double slower = Enumerable.Range(0, 5).Min(_ => Math.Max(Batch(target.Subject, n), Batch(target.Reference, n)));
            if (slower >= 100e3)
            {
                break;
            }

            n *= 2;
        }

        var ratios = new double[pairs];
        var subjectNs = new double[pairs];
        var referenceNs = new double[pairs];
        for (int i = 0; i < pairs; i++)
        {
            double a, b;
            if (i % 2 == 0)
            {
                a = Batch(target.Subject, n);
                b = Batch(target.Reference, n);
            }
            else
            {
                b = Batch(target.Reference, n);
                a = Batch(target.Subject, n);
            }

            ratios[i] = a / b;
            subjectNs[i] = a / n;
            referenceNs[i] = b / n;
        }

        long subjectBytes = Bytes(target.Subject, n);
        long referenceBytes = Bytes(target.Reference, n);
        Array.Sort(ratios);
        double median = Quantile(ratios, 0.5);
        bool bytesOk = target.MaxSubjectBytes switch
        {
            null => true,
            -1 => subjectBytes <= referenceBytes,
            long max => subjectBytes <= max,
        };
        string verdict = target.Limit is { } limit ? (median <= limit && bytesOk ? "PASS" : "MISS") : "info";
        string bytesNote = target.MaxSubjectBytes switch
        {
            null => string.Empty,
            -1 => bytesOk ? " (≤ reference)" : " (MORE than reference)",
            long max => bytesOk ? $" (≤ {max} B)" : $" (MORE than {max} B)",
        };
        return
        [
            target.Name,
            string.Create(CultureInfo.InvariantCulture, $"{median:0.00}× [{Quantile(ratios, 0.25):0.00}–{Quantile(ratios, 0.75):0.00}]"),
            verdict,
            string.Create(CultureInfo.InvariantCulture, $"{Format(Median(subjectNs))} vs {Format(Median(referenceNs))} (medians of batches of {n}); {subjectBytes} B vs {referenceBytes} B per op{bytesNote}{target.ExplainBytes?.Invoke(subjectBytes)}"),
        ];
    }

    private static void WarmFor(Action action, TimeSpan duration)
    {
        long until = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < until)
        {
            for (int i = 0; i < 64; i++)
            {
                action();
            }
        }
    }

    private static double Batch(Action action, int n)
    {
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < n; i++)
        {
            action();
        }

        return Stopwatch.GetElapsedTime(start).TotalNanoseconds;
    }

    private static long Bytes(Action action, int n)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < n; i++)
        {
            action();
        }

        return (GC.GetAllocatedBytesForCurrentThread() - before) / n;
    }

    private static double Median(double[] values)
    {
        double[] sorted = (double[])values.Clone();
        Array.Sort(sorted);
        return Quantile(sorted, 0.5);
    }

    private static double Quantile(double[] sorted, double q)
    {
        double position = q * (sorted.Length - 1);
        int low = (int)Math.Floor(position);
        int high = (int)Math.Ceiling(position);
        return sorted[low] + ((sorted[high] - sorted[low]) * (position - low));
    }

    private static string Format(double ns) =>
        ns >= 10_000 ? string.Create(CultureInfo.InvariantCulture, $"{ns / 1000:0.00} µs") : string.Create(CultureInfo.InvariantCulture, $"{ns:0.0} ns");
}
