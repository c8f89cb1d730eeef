using System.Diagnostics;
using System.Management.Automation;

namespace FlowForensics.PowerShell.Infrastructure;

/// <summary>
/// One ProgressRecord, updated at most four times a second, completed at the end. Call
/// <see cref="Report"/> from the pipeline thread only.
/// </summary>
internal sealed class ThrottledProgress
{
    private static readonly long Interval = Stopwatch.Frequency / 4;
    private readonly Cmdlet _cmdlet;
    private ProgressRecord _record;
    private long _lastReport;
    private bool _shown;

    public ThrottledProgress(Cmdlet cmdlet, int activityId, string activity)
    {
        _cmdlet = cmdlet;
        _record = new ProgressRecord(activityId, activity, "Starting");
    }

    public void Report(string status, long done, long total)
    {
        long now = Stopwatch.GetTimestamp();
        if (_shown && now - _lastReport < Interval) return;
        _lastReport = now;
        _shown = true;
        // A new record each time: hosts and Streams.Progress keep the instances they are given.
        _record = new ProgressRecord(_record.ActivityId, _record.Activity, status)
        {
            PercentComplete = total > 0 ? (int)Math.Clamp(done * 100 / total, 0, 100) : -1,
            RecordType = ProgressRecordType.Processing,
        };
        _cmdlet.WriteProgress(_record);
    }

    public void Complete()
    {
        if (!_shown) return;
        _record = new ProgressRecord(_record.ActivityId, _record.Activity, "Done")
        {
            PercentComplete = 100,
            RecordType = ProgressRecordType.Completed,
        };
        _cmdlet.WriteProgress(_record);
        _shown = false;
    }
}
