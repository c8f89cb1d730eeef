namespace FlowForensics.Analysis.Hunting;

/// <summary>The settings every hunt shares; each hunt's options record derives from this one.</summary>
public abstract record HuntOptions
{
    /// <summary>The one default of <see cref="MinimumScore"/> on every hunt (0.5): below it a finding is weak evidence on its own.</summary>
    public const double DefaultMinimumScore = 0.5;

    /// <summary>Findings scoring below this (0 to 1) are not reported; the same meaning on every hunt.</summary>
    public double MinimumScore { get; init; } = DefaultMinimumScore;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> when <see cref="MinimumScore"/> is outside 0..1.</summary>
    protected void ValidateCommon()
    {
        if (MinimumScore is < 0 or > 1 || double.IsNaN(MinimumScore))
            throw new ArgumentOutOfRangeException(nameof(MinimumScore), MinimumScore, "MinimumScore must be between 0 and 1.");
    }
}
