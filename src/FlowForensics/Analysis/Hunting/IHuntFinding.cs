namespace FlowForensics.Analysis.Hunting;

/// <summary>
/// What every hunt's finding says, whatever the hunt: the host it is about, what kind of behaviour, the MITRE ATT&amp;CK
/// technique, a score from 0 to 1, the times of its evidence and a plain reason. Each finding type keeps its own
/// properties beside these (a beacon's period, a scan's ports), and stays flat for Export-Csv and Export-Excel.
/// </summary>
public interface IHuntFinding
{
    /// <summary>The host the finding is about: the beacon's or the mover's source, the scanner, the inside host that sent the data, the anomaly's host or network.</summary>
    string Host { get; }

    /// <summary>The kind of behaviour within the hunt (Beacon; LargeUpload, DnsTunnel …; Horizontal, Vertical …; Chain, BruteForce …; VolumeSurge, NewPeer …).</summary>
    string Kind { get; }

    /// <summary>The MITRE ATT&amp;CK technique id(s), comma-joined when several fit (T1046; T1021.002, T1047); empty when none fits.</summary>
    string Technique { get; }

    /// <summary>0 to 1, the same scale on every hunt: 0.5 and above is worth a responder's look (<see cref="HuntOptions.DefaultMinimumScore"/>).</summary>
    double Score { get; }

    /// <summary>The first start among the flows behind the finding (UTC).</summary>
    DateTime FirstSeen { get; }

    /// <summary>The last end among the flows behind the finding (UTC).</summary>
    DateTime LastSeen { get; }

    /// <summary>The evidence in plain words: what was measured, what answered, and what is missing from the data.</summary>
    string Reason { get; }
}
