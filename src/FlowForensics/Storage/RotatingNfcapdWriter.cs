using FlowForensics.Flows;
using FlowForensics.Storage.Nfcapd;

namespace FlowForensics.Storage;

/// <summary>
/// Writes flows into one nfcapd file per rotation slot (<c>nfcapd.YYYYMMDDhhmm</c>, UTC), choosing the slot by
/// each flow's <see cref="FlowRecord.Start"/>. Every file is written under a temporary name and renamed when
/// closed, so the directory only ever shows complete files.
/// </summary>
/// <remarks>
/// At most <see cref="MaxOpenFiles"/> slots are open at once; opening one more closes the earliest. A flow whose
/// slot was already closed goes into the earliest open slot's file and is counted in <see cref="LateFlows"/>
/// (a closed nfcapd file cannot be appended to).
/// </remarks>
public sealed class RotatingNfcapdWriter : IFlowSink, IDisposable
{
    /// <summary>Default bound on simultaneously open slot files.</summary>
    public const int DefaultMaxOpenFiles = 16;

    private readonly string _directory;
    private readonly TimeSpan _rotateEvery;
    private readonly NfcapdCompression _compression;
    private readonly string? _ident;
    private readonly bool _overwrite;
    private readonly SortedDictionary<DateTime, NfcapdFileWriter> _open = new();
    private readonly HashSet<DateTime> _closed = new();
    private readonly List<string> _written = new();

    public RotatingNfcapdWriter(string directory, TimeSpan rotateEvery, NfcapdCompression compression = NfcapdCompression.Lz4,
        string? ident = null, bool overwrite = false, int maxOpenFiles = DefaultMaxOpenFiles)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (rotateEvery < TimeSpan.FromSeconds(1))
            throw new ArgumentOutOfRangeException(nameof(rotateEvery), rotateEvery, "rotation interval must be at least one second");
        ArgumentOutOfRangeException.ThrowIfLessThan(maxOpenFiles, 1);
        _directory = Path.GetFullPath(directory);
        Directory.CreateDirectory(_directory);
        _rotateEvery = rotateEvery;
        _compression = compression;
        _ident = ident;
        _overwrite = overwrite;
        MaxOpenFiles = maxOpenFiles;
    }

    public int MaxOpenFiles { get; }

    /// <summary>Files completed so far, in the order they were closed.</summary>
    public IReadOnlyList<string> FilesWritten => _written;

    /// <summary>Flows whose slot had already been closed (written into the earliest open slot instead).</summary>
    public long LateFlows { get; private set; }

    public long FlowCount { get; private set; }

    public void Accept(FlowRecord flow)
    {
        ArgumentNullException.ThrowIfNull(flow);
        var slot = FileRotation.SlotStart(flow.Start, _rotateEvery);
        if (!_open.TryGetValue(slot, out var writer))
        {
            if (_closed.Contains(slot) && _open.Count > 0)
            {
                LateFlows++;
                foreach (var first in _open.Values) { writer = first; break; }
            }
            else
            {
                if (_open.Count >= MaxOpenFiles) CloseEarliest();
                string path = Path.Combine(_directory, FileRotation.FileNameFor(slot, _rotateEvery));
                if (_closed.Contains(slot))
                {
                    LateFlows++;
                    path += "-late" + _closed.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
                }
                writer = NfcapdFileWriter.Create(path, _compression, _ident, _overwrite);
                _open.Add(slot, writer);
            }
        }
        writer!.Accept(flow);
        FlowCount++;
    }

    private void CloseEarliest()
    {
        foreach (var pair in _open)
        {
            pair.Value.Complete();
            _written.Add(pair.Value.FinalPath);
            pair.Value.Dispose();
            _open.Remove(pair.Key);
            _closed.Add(pair.Key);
            return;
        }
    }

    /// <summary>Completes every open file.</summary>
    public void Complete()
    {
        while (_open.Count > 0) CloseEarliest();
    }

    /// <summary>
    /// After a write failed (a full disk): every open file is completed with the blocks already in it (see
    /// <see cref="NfcapdFileWriter.Salvage"/>) and added to <see cref="FilesWritten"/>; nothing temporary is left.
    /// Returns the flows accepted that are in no file (the failed block and those still in memory).
    /// </summary>
    public long Salvage()
    {
        long lost = 0;
        foreach (var (slot, writer) in _open)
        {
            bool kept = writer.Salvage();
            if (kept) _written.Add(writer.FinalPath);
            lost += writer.FlowCount - (kept ? writer.FlowsInFile : 0);
            _closed.Add(slot);
        }
        _open.Clear();
        return lost;
    }

    /// <summary>Disposes open writers without completing them (their temporary files are deleted).</summary>
    public void Dispose()
    {
        foreach (var w in _open.Values) w.Dispose();
        _open.Clear();
    }
}
