namespace Codex.Auth.Testing.Internal;

/// <summary>A thread-safe queue of scripted responses, each used for a given number of requests.</summary>
internal sealed class FaultQueue
{
    private readonly Lock _lock = new();
    private readonly LinkedList<(ScriptedResponse Response, int Remaining)> _entries = new();
    private readonly List<FakeGate> _gates = [];

    public int Pending
    {
        get
        {
            lock (_lock)
            {
                return _entries.Sum(e => e.Remaining);
            }
        }
    }

    public void Enqueue(ScriptedResponse response, int times)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(times);
        lock (_lock)
        {
            _entries.AddLast((response, times));
            if (response.Gate is not null)
            {
                _gates.Add(response.Gate);
            }
        }
    }

    public ScriptedResponse? TryDequeue()
    {
        lock (_lock)
        {
            LinkedListNode<(ScriptedResponse Response, int Remaining)>? first = _entries.First;
            if (first is null)
            {
                return null;
            }

            (ScriptedResponse response, int remaining) = first.Value;
            if (remaining <= 1)
            {
                _entries.RemoveFirst();
            }
            else
            {
                first.Value = (response, remaining - 1);
            }

            return response;
        }
    }

    public void Clear()
    {
        lock (_lock)
        {
            _entries.Clear();
        }
    }

    public void ReleaseAllGates()
    {
        lock (_lock)
        {
            foreach (FakeGate gate in _gates)
            {
                gate.Release();
            }
        }
    }
}
